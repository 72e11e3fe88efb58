import { AppError } from '../../errors.js';

export const LIFECYCLE_STATES = ['draft', 'approved', 'deprecated', 'archived'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** The allowed, non-same-state transitions of spec 06 §4.2, in the order capabilities publish them. */
export const ALLOWED_TRANSITIONS: ReadonlyArray<{ from: LifecycleState; to: LifecycleState }> = [
  { from: 'draft', to: 'approved' },
  { from: 'approved', to: 'deprecated' },
  { from: 'approved', to: 'archived' },
  { from: 'deprecated', to: 'approved' },
  { from: 'deprecated', to: 'archived' },
  { from: 'archived', to: 'draft' },
  { from: 'archived', to: 'deprecated' },
];

/** Pairs explicitly forbidden (06 §4.2 DENIED); checked before the INVALID ones. */
const DENIED = new Set(['draft>deprecated', 'draft>archived', 'archived>approved']);

export function isLifecycleState(value: unknown): value is LifecycleState {
  return typeof value === 'string' && (LIFECYCLE_STATES as readonly string[]).includes(value);
}

/** A lifecycle error: 400 with `code`, `from` and `to` next to the envelope (06 §4.3). */
export class LifecycleError extends AppError {
  constructor(code: 'LIFECYCLE_TRANSITION_DENIED' | 'LIFECYCLE_INVALID_TRANSITION', message: string, from: string, to: string) {
    super(400, code, message, { code, from, to });
  }
}

/** Throws unless the matrix allows `from → to` (same-state cells are allowed). */
export function checkTransition(from: LifecycleState, to: string): asserts to is LifecycleState {
  if (DENIED.has(`${from}>${to}`)) {
    throw new LifecycleError('LIFECYCLE_TRANSITION_DENIED', `transition from ${from} to ${to} is not allowed`, from, to);
  }
  if (from === to) return;
  if (!isLifecycleState(to) || !ALLOWED_TRANSITIONS.some((t) => t.from === from && t.to === to)) {
    throw new LifecycleError('LIFECYCLE_INVALID_TRANSITION', `no transition defined from ${from} to ${to}`, from, to);
  }
}

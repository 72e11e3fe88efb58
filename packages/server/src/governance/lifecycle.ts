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

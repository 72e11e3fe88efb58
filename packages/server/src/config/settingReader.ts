import { resolve } from 'node:path';
import type { ValueFlag } from './commandLine.js';
import { parseBoolean, parseEnum, parseInteger } from './values.js';

/** A value as the operator wrote it, with the flag or variable name that messages must cite. */
export interface Setting {
  name: string;
  value: string;
}

/**
 * Looks settings up with the precedence of spec 01 §2.1: flag, then environment variable, then
 * default. A blank value counts as unset at each level, because manifests often render optional
 * variables as `""`; only CATALOG_CORS_ALLOWED_ORIGINS gives the empty string a meaning (`exact`).
 */
export class SettingReader {
  constructor(
    private readonly flags: ReadonlyMap<ValueFlag, string>,
    private readonly env: NodeJS.ProcessEnv,
    private readonly cwd: string,
  ) {}

  /** The variable's value even when empty; `undefined` only when it is not set. */
  exact(variable: string): Setting | undefined {
    const value = this.env[variable];
    return value === undefined ? undefined : { name: variable, value };
  }

  raw(variable: string, flag?: ValueFlag): Setting | undefined {
    const flagValue = flag === undefined ? undefined : this.flags.get(flag);
    if (flagValue !== undefined && flagValue.trim() !== '') return { name: `--${flag}`, value: flagValue };
    const envValue = this.env[variable];
    if (envValue !== undefined && envValue.trim() !== '') return { name: variable, value: envValue };
    return undefined;
  }

  string(variable: string, fallback: string): string {
    return this.raw(variable)?.value.trim() ?? fallback;
  }

  optionalString(variable: string): string | null {
    return this.raw(variable)?.value.trim() ?? null;
  }

  /** Validated with `check`, which throws the usage error itself. */
  checked<T>(variable: string, fallback: T, check: (setting: Setting) => T, flag?: ValueFlag): T {
    const setting = this.raw(variable, flag);
    return setting === undefined ? fallback : check(setting);
  }

  boolean(variable: string, fallback: boolean): boolean {
    return this.checked(variable, fallback, ({ name, value }) => parseBoolean(name, value));
  }

  /** Positive unless `min` is 0. */
  integer(variable: string, fallback: number, min: 0 | 1 = 1): number {
    return this.checked(variable, fallback, ({ name, value }) => parseInteger(name, value, min));
  }

  enumeration<T extends string>(variable: string, allowed: readonly T[], fallback: T, flag?: ValueFlag): T {
    return this.checked(variable, fallback, ({ name, value }) => parseEnum(name, value, allowed), flag);
  }

  /** Resolved against the working directory. */
  path(variable: string, fallback: string, flag?: ValueFlag): string {
    return resolve(this.cwd, this.raw(variable, flag)?.value.trim() ?? fallback);
  }

  optionalPath(variable: string): string | null {
    const setting = this.raw(variable);
    return setting === undefined ? null : resolve(this.cwd, setting.value.trim());
  }

  /** Every variable whose name starts with `prefix`, values untouched. */
  withPrefix(prefix: string): Record<string, string> {
    const matches: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.env)) {
      if (name.startsWith(prefix) && value !== undefined) matches[name] = value;
    }
    return matches;
  }
}

export const MAX_NAME_LENGTH = 255;

const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Why `name` breaks the name rules of spec 02 §2.2, or undefined when it is a valid entity name.
 * The message describes the `name` field, which the error item's path names.
 */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters long`;
  if (CONTROL_CHARACTER.test(name)) return 'must not contain control characters';
  if (name.trim() !== name) return 'must not have leading or trailing whitespace';
  // Names travel in URL paths, where empty, `.` and `..` segments would be collapsed or resolved.
  if (name.includes('/') && name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return 'must not contain an empty, "." or ".." segment';
  }
  return undefined;
}

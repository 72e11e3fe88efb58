/**
 * How text is read as a number or a timestamp, shared by literal binding, the SQL compiler and the
 * reference evaluator. The patterns are written in the subset common to JavaScript and PostgreSQL
 * regular expressions (no `\d`, bounded repetitions ≤ 255) so that both sides use the very same text,
 * and they only admit values that PostgreSQL can cast without raising an error.
 */

/**
 * A decimal number held in a string, at most 40 characters long: every match is a finite, normal
 * double (as JavaScript and jsonpath's `.double()` read it) and casts to `numeric`. The length is a
 * lookahead rather than bounded repetitions, which are costly to compile.
 */
export const NUMERIC_TEXT_PATTERN = '^(?=.{1,40}$)[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$';

/** Epoch milliseconds as the sources write them (spec 02 §2.3). */
export const EPOCH_DIGITS_PATTERN = '^[0-9]{1,16}$';

/**
 * RFC 3339 date-time or full-date. Component ranges are checked here; day-of-month overflow (Feb 30)
 * rolls over into the next month on both sides instead of failing.
 */
export const RFC3339_PATTERN =
  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' +
  '([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)([.][0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$';

const numericText = new RegExp(NUMERIC_TEXT_PATTERN);
const epochDigits = new RegExp(EPOCH_DIGITS_PATTERN);
const rfc3339 = new RegExp(RFC3339_PATTERN);

/** A numeric string as a JavaScript number. */
export function parseNumericText(text: string): number | undefined {
  return numericText.test(text) ? Number(text) : undefined;
}

/** Epoch milliseconds of a string of digits or an RFC 3339 timestamp. */
export function parseEpochMillis(text: string): number | undefined {
  if (epochDigits.test(text)) return Number(text);
  if (!rfc3339.test(text)) return undefined;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  date.setUTCFullYear(Number(text.slice(0, 4)), Number(text.slice(5, 7)) - 1, Number(text.slice(8, 10)));
  if (text.length === 10) return date.getTime();
  const fraction = /[.]([0-9]+)/.exec(text)?.[1] ?? '';
  date.setUTCHours(Number(text.slice(11, 13)), Number(text.slice(14, 16)), Number(text.slice(17, 19)), Number(fraction.slice(0, 3).padEnd(3, '0')));
  const offset = /([+-])([0-9]{2}):([0-9]{2})$/.exec(text);
  const offsetMinutes = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  return date.getTime() - offsetMinutes * 60_000;
}

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether PostgreSQL can hold the text: it has no NUL character and no unpaired UTF-16 surrogate
 * (which has no UTF-8 encoding). Such text can never equal stored text, and as a parameter it would
 * make the query fail.
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\0') && !UNPAIRED_SURROGATE.test(text);
}

/**
 * Argument checks with one message shape:
 * ``Expected `limit` to be a positive integer, got `0` (number)``.
 */

function show(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "function") text = value.name ? `[Function ${value.name}]` : "[Function]";
  else if (typeof value === "bigint") text = `${value}n`;
  else if (typeof value === "symbol") text = value.toString();
  else if (value !== null && typeof value === "object") text = Object.prototype.toString.call(value);
  else text = String(value);
  const type = value === null ? "null" : typeof value;
  return `\`${text}\` (${type})`;
}

/** Builds the standard bad-argument error. */
export function argumentError(name: string, expected: string, value: unknown): TypeError {
  const error = new TypeError(`Expected \`${name}\` to be ${expected}, got ${show(value)}`);
  (error as TypeError & { code: string }).code = "ERR_AIO_INVALID_ARGUMENT";
  return error;
}

/** Builds the standard error for an argument of the right type but out of range. */
export function rangeError(name: string, expected: string, value: unknown): RangeError {
  const error = new RangeError(`Expected \`${name}\` to be ${expected}, got ${show(value)}`);
  (error as RangeError & { code: string }).code = "ERR_AIO_INVALID_ARGUMENT";
  return error;
}

/** A duration in ms: a finite number; negatives are allowed and mean "already due". */
export function checkDelay(name: string, value: unknown): number {
  if (typeof value !== "number" || Number.isNaN(value)) throw argumentError(name, "a number of milliseconds", value);
  return value;
}

/** A duration in ms or `null` (no limit). */
export function checkOptionalDelay(name: string, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return checkDelay(name, value);
}

export function checkFunction(name: string, value: unknown): void {
  if (typeof value !== "function") throw argumentError(name, "a function", value);
}

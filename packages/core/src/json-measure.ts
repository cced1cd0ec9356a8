import { type BoundsReason, type InputProblem, problem } from './input-problem.js';

/**
 * Sizes and depths of JSON values without recursion and without `JSON.stringify` (which overflows
 * the stack on a deeply nested value): sizes are estimated in characters of the JSON text
 * (strings by their length plus quotes, numbers as NUMBER_CHARS).
 */
/** Characters a number counts for in the size estimate. */
export const NUMBER_CHARS = 8;

/** What one iterative walk of a JSON value found. */
interface Measure {
  /** Estimated characters of its JSON text; stops growing past the limit the walk was given. */
  chars: number;
  tooDeep: boolean;
  notJson: boolean;
}

/**
 * Walks a value without recursion (a 100,000-deep value cannot overflow the stack) and stops as
 * soon as it is deeper than `maxDepth` or larger than `maxChars`, so the work is bounded by the
 * limits, not by the value (a cyclic value ends as too deep).
 */
function measure(value: unknown, maxDepth: number, maxChars: number): Measure {
  const out: Measure = { chars: 0, tooDeep: false, notJson: false };
  if (value === null || typeof value !== 'object') {
    out.chars = scalarChars(value, out);
    return out;
  }
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (v === null || typeof v !== 'object') {
      out.chars += scalarChars(v, out);
      if (out.notJson) return out;
    } else {
      if (depth > maxDepth) {
        out.tooDeep = true;
        return out;
      }
      out.chars += 2;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          out.chars++;
          values.push(v[i]);
          depths.push(depth + 1);
          if (out.chars > maxChars) return out;
        }
      } else {
        for (const key in v) {
          if (!Object.hasOwn(v, key)) continue;
          out.chars += key.length + 4;
          values.push((v as Record<string, unknown>)[key]);
          depths.push(depth + 1);
          if (out.chars > maxChars) return out;
        }
      }
    }
    if (out.chars > maxChars) return out;
  }
  return out;
}

function scalarChars(v: unknown, out: Measure): number {
  switch (typeof v) {
    case 'string':
      return v.length + 2;
    case 'number':
      return NUMBER_CHARS;
    case 'boolean':
      return 5;
    case 'undefined':
      return 4; // null in an array, dropped in an object
    case 'object':
      return 4; // null
    default:
      out.notJson = true; // bigint, function, symbol
      return 0;
  }
}

/** True when `value` nests arrays and objects at most `max` deep (`[1]` is 1, a scalar 0). Iterative. */
export function checkJsonDepth(value: unknown, max: number): boolean {
  return !measure(value, max, Number.POSITIVE_INFINITY).tooDeep;
}

/** Depth, size and JSON-ness of one value; null when it is within the bounds. */
export function checkJsonValue(
  value: unknown,
  field: string,
  maxChars: number,
  tooLarge: BoundsReason,
  maxDepth: number,
): InputProblem | null {
  const p = measureValue(value, field, maxChars, tooLarge, maxDepth);
  return typeof p === 'number' ? null : p;
}

/** The problem of one value, or its estimated JSON characters. */
export function measureValue(
  value: unknown,
  field: string,
  maxChars: number,
  tooLarge: BoundsReason,
  maxDepth: number,
): InputProblem | number {
  const m = measure(value, maxDepth, maxChars);
  if (m.notJson) return problem('not_json', field, `${field} holds something that is not JSON`);
  if (m.tooDeep) {
    return problem('value_too_deep', field, `${field} nests deeper than ${maxDepth} levels`);
  }
  if (m.chars > maxChars)
    return problem(tooLarge, field, `${field} is larger than ${maxChars} bytes as JSON`);
  return m.chars;
}

/** The usual `values`: a short array of numbers, strings, booleans or nulls that fits, checked without a walk. */
export function flatValuesFit(values: unknown[], budget: number): boolean {
  let chars = 2;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) chars += NUMBER_CHARS;
    else if (typeof v === 'string') chars += v.length + 3;
    else return false;
  }
  return chars <= budget;
}

/**
 * `String(v)` for a value whose type is open (a commander option, a field parsed from YAML or
 * JSON): the same conversion, named so that the type checker's base-to-string lint sees a value
 * typed `unknown` (commander gives text, a flag or a list; a parsed file gives anything).
 */
export const textOf = (v: unknown): string => String(v);

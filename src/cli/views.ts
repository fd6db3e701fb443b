/** JSON views of records: the record as stored, minus the envelope version. */
import type { BaseRecord } from "../domain/record.js";

export function recordJson<T extends BaseRecord>(r: T): Omit<T, "chart"> {
  const { chart: _c, ...rest } = r;
  return rest;
}

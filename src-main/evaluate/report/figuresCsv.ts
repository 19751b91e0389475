/**
 * Every number of a report as CSV rows `figure,value`, the figure named by its path in the report
 * (`altered.strict.by_section.cancer_timeline.f1`, `by_letter.3.strict.fn`): what a results
 * table or a plot elsewhere is built from, with nothing rounded. An interval's ends are `.low` and
 * `.high`; an undefined ratio is an empty cell.
 */
import { stringify } from "csv-stringify/sync";

export function figuresCsv(named: Record<string, unknown>): string {
  const rows: [string, string][] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === "number") rows.push([path, Number.isFinite(value) ? String(value) : ""]);
    else if (value === null) rows.push([path, ""]);
    else if (Array.isArray(value) && value.length === 2 && value.every((end) => typeof end === "number") && /_ci$/.test(path)) {
      rows.push([`${path}.low`, String(value[0])], [`${path}.high`, String(value[1])]);
    } else if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${path}.${index}`));
    else if (typeof value === "object") for (const [key, item] of Object.entries(value as Record<string, unknown>)) walk(item, path === "" ? key : `${path}.${key}`);
  };
  walk(named, "");
  return stringify(rows, { header: true, columns: ["figure", "value"] });
}

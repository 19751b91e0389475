import type { z } from "zod";
import type { SettingsWarning } from "../../src-shared/api.ts";

/**
 * One capability's settings, stored on their own under `settings.<name>` and read field by field,
 * so a field added in a later version takes its default and every other stored value is kept.
 */
export type SettingsSection<T extends Record<string, unknown>> = {
  name: string;
  /** Where the fields sit in the settings screen's Settings ("" at its top), for naming them in warnings. */
  fieldPrefix: string;
  fields: { [K in keyof T]: z.ZodType<T[K]> };
  defaults: T;
};

export type SectionRead<T> = { value: T; warnings: SettingsWarning[] };

export function sectionKey(section: SettingsSection<Record<string, unknown>>): string {
  return `settings.${section.name}`;
}

/** The stored section over its defaults: valid fields kept, the rest reported. */
export function readSection<T extends Record<string, unknown>>(section: SettingsSection<T>, stored: unknown): SectionRead<T> {
  const value = { ...section.defaults };
  if (stored === undefined) return { value, warnings: [] };
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) {
    const message = `the stored ${section.name} settings are not readable (${JSON.stringify(stored)}); the defaults are used`;
    return { value, warnings: [{ setting: section.name, problem: "invalid", message }] };
  }
  const warnings: SettingsWarning[] = [];
  for (const [field, storedValue] of Object.entries(stored)) {
    const setting = section.fieldPrefix + field;
    if (!Object.hasOwn(section.fields, field)) {
      warnings.push({ setting, problem: "unknown", message: `${setting} is not a setting this version knows; it is ignored` });
      continue;
    }
    const key = field as keyof T;
    const parsed = section.fields[key].safeParse(storedValue);
    if (parsed.success) {
      value[key] = parsed.data;
    } else {
      const why = parsed.error.issues.map((issue) => issue.message).join("; ");
      warnings.push({ setting, problem: "invalid", message: `${setting} ${JSON.stringify(storedValue)} is refused (${why}); the default ${JSON.stringify(section.defaults[key])} is used` });
    }
  }
  return { value, warnings };
}

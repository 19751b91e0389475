/** Reads the teacher's JSON answer. */

/** Models sometimes wrap the object in a markdown fence despite being told not to; that is harmless. */
function unfence(text: string): string {
  const match = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(text);
  return match ? (match[1] as string) : text;
}

export function parseAnswerJson(raw: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(unfence(raw)) as unknown };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

// A store whose synthetic letters are the demo letters with their gold, as the studio stores
// generated ones (letter types in turn; the 16th letter rejected, so never used), and, when
// asked, question/answer pairs on each: for training sets and gold sets made from the studio.
import { addItems, createJob, itemsOfJob } from "../../src-main/jobs/jobStore.ts";
import { openStore } from "../../src-main/store/db.ts";
import { insertQaPair, insertSynthLetter } from "../../src-main/store/synth.ts";
import { demoLettersWithGold } from "./fakeOpenAiServer.ts";

export const STUDIO_LETTER_TYPES = ["initial_assessment", "follow_up", "discharge_summary"];

/** Writes the store into `data` and returns `data`. */
export function writeStudioStore(data: string, withQa = false): string {
  const demo = demoLettersWithGold();
  const db = openStore(data);
  const job = createJob(db, { kind: "synth:generate", key: "demo", params: { model: "teacher", promptVersion: "v" } });
  addItems(db, job, demo.map((letter, i) => ({ key: `row-${i}`, payload: { row: { letter_type: STUDIO_LETTER_TYPES[i % 3] }, occurrence: 0 } })));
  itemsOfJob(db, job).forEach((item, i) => {
    const letter = demo[i] as (typeof demo)[number];
    const letterId = insertSynthLetter(db, { itemId: item.id, content: letter.text, gold: JSON.parse(letter.gold), rawOutput: "{}", model: "teacher", messageId: null, promptVersion: "v", status: i === 15 ? "rejected" : "accepted", reasons: [], minhash: null });
    if (!withQa) return;
    // Per letter: two yes/no pairs (difficulty 5), one numeric (4), a not-answerable yes/no on the first ten (6),
    // a not-answerable numeric of difficulty 7 on even letters and 2 on odd ones, and one rejected pair.
    const pairs: [string, string | number, number][] = [["yes_no", "Yes", 5], ["yes_no", "No", 5], ["numeric", 42, 4], ...(i < 10 ? [["not_answerable_yes_no", "N/A", 6] as [string, string, number]] : []), ["not_answerable_numeric", "N/A", i % 2 === 0 ? 7 : 2]];
    pairs.forEach(([kind, answer, difficulty], index) =>
      insertQaPair(db, { letterId, itemId: item.id, index, status: "accepted", reason: null, kind, pair: { type: kind, question: `Question ${index} about letter ${i}?`, answer, source: letter.text.slice(0, 24), difficulty, section: "plan", explanation: "x" }, promptVersion: "qa-v1" }),
    );
    insertQaPair(db, { letterId, itemId: item.id, index: pairs.length, status: "rejected", reason: "ungrounded: not in the letter", kind: "yes_no", pair: { question: "never used" }, promptVersion: "qa-v1" });
  });
  db.close();
  return data;
}

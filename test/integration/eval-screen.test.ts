/**
 * `eval screen` end to end: a store of 3 patients with 2-3 short letters each (written here), four
 * criteria covering the four ways letters combine (any, max, latest, all), asked through the
 * real engine (--server) of a loopback OpenAI-compatible server that answers by reading the letter
 * with a fixed rule (the value as written, quoted; N/A when the letter does not say; one
 * unreadable answer; one reply that is not JSON the first time it is asked). The expected table
 * is worked out by hand below, then the screening is scored against a hand-written n2c2 gold folder.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { useTestModel } from "../helpers/testModel.ts";
import { startFakeOpenAiServer, type ChatRequest, type FakeOpenAiServer, type FakeReply } from "../helpers/fakeOpenAiServer.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const testModel = useTestModel();
const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "screen");

const LETTERS: Record<string, string> = {
  "P1_2024-01-05_clinic.txt": "Smokes: no. Creatinine 1.1 mg/dL. HbA1c 7.2%. Speaks English: yes.",
  "P1_2024-03-10_clinic.txt": "Smokes: yes. Creatinine 1.6 mg/dL. Speaks English: yes.",
  "P1_2024-06-01_clinic.txt": "Creatinine 1.2 mg/dL. HbA1c 10.1%.",
  "P2_2023-05-02_clinic.txt": "Smokes: no. Creatinine 0.9 mg/dL. HbA1c 6.8%. Speaks English: no.",
  "P2_2023-09-14_clinic.txt": "Smokes: no. Creatinine 1.0 mg/dL. Speaks English: yes.",
  "P3_2022-02-20_clinic.txt": "No relevant history recorded.",
  "P3_2022-08-30_clinic.txt": "Creatinine 2.4 mg/dL. HbA1c pending.",
};

/** The server's reading: each question finds its value in the letter by a pattern and quotes what matched. */
const READERS: [RegExp, RegExp][] = [
  [/smoke/, /Smokes: (yes|no)/],
  [/creatinine/, /Creatinine ([\d.]+) mg\/dL/],
  [/HbA1c/, /HbA1c ([\d.]+%|pending)/],
  [/English/, /Speaks English: (yes|no)/],
];
let failedOnce = false;
function answer(request: ChatRequest): FakeReply {
  const [letter, question] = (request.messages.find((m) => m.role === "user")?.content ?? "").split("\n\nQuestion: ") as [string, string];
  const pattern = READERS.find(([asks]) => asks.test(question))?.[1] as RegExp;
  if (letter.includes("2.4 mg/dL") && /creatinine/.test(question) && !failedOnce) {
    failedOnce = true;
    return { kind: "completion", content: "{ not json" };
  }
  const found = pattern.exec(letter);
  const value = found ? (found[1] as string).replace(/%$/, "") : "N/A";
  return { kind: "completion", content: JSON.stringify({ answer: value === "yes" ? "Yes" : value === "no" ? "No" : value, source: found ? found[0] : "" }) };
}

let server: FakeOpenAiServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer({ replyFor: answer });
});
afterAll(async () => {
  await server.close();
});

async function storeWithLetters(): Promise<{ data: string; folder: string }> {
  const data = tempDir();
  const folder = tempDir();
  for (const [name, text] of Object.entries(LETTERS)) writeFileSync(path.join(folder, name), text);
  const imported = await runCli(["--data", data, "import", folder]);
  expect(imported.code, imported.stderr).toBe(0);
  return { data, folder };
}

const chats = () => server.chatRequests().length;
type TableRow = Record<string, string>;
const readTable = (file: string) => parse(readFileSync(file, "utf8"), { columns: true }) as TableRow[];

/**
 * [patient, criterion, status, value, letter, date, quote, letters, answered, failed], by the rules:
 * - SMOKER (any): P1's second letter says yes (met, the first that does); P2's both say no (not met,
 *   the latest answering decides the row); P3's say nothing (unknown).
 * - CREATININE (max, > 1.3): P1's highest is 1.6 (met); P2's 1.0 (not met); P3's one value's question
 *   failed (unknown, 1 failed).
 * - HBA1C (latest, 6.5..9.5): P1's latest answer is 10.1 (not met, though an earlier 7.2 was in
 *   range); P2's only answer 6.8 (met); P3's "pending" cannot be read (unknown).
 * - ENGLISH (all): P1's two answers both yes (met, the latest decides); P2's first says no (not met);
 *   P3 unknown.
 */
const EXPECTED = [
  ["P1", "SMOKER", "met", "yes", "P1_2024-03-10_clinic.txt", "2024-03-10", "Smokes: yes", "3", "2", "0"],
  ["P1", "CREATININE", "met", "1.6", "P1_2024-03-10_clinic.txt", "2024-03-10", "Creatinine 1.6 mg/dL", "3", "3", "0"],
  ["P1", "HBA1C", "not met", "10.1", "P1_2024-06-01_clinic.txt", "2024-06-01", "HbA1c 10.1%", "3", "2", "0"],
  ["P1", "ENGLISH", "met", "yes", "P1_2024-03-10_clinic.txt", "2024-03-10", "Speaks English: yes", "3", "2", "0"],
  ["P2", "SMOKER", "not met", "no", "P2_2023-09-14_clinic.txt", "2023-09-14", "Smokes: no", "2", "2", "0"],
  ["P2", "CREATININE", "not met", "1", "P2_2023-09-14_clinic.txt", "2023-09-14", "Creatinine 1.0 mg/dL", "2", "2", "0"],
  ["P2", "HBA1C", "met", "6.8", "P2_2023-05-02_clinic.txt", "2023-05-02", "HbA1c 6.8%", "2", "1", "0"],
  ["P2", "ENGLISH", "not met", "no", "P2_2023-05-02_clinic.txt", "2023-05-02", "Speaks English: no", "2", "2", "0"],
  ["P3", "SMOKER", "unknown", "", "", "", "", "2", "0", "0"],
  ["P3", "CREATININE", "unknown", "", "", "", "", "2", "0", "1"],
  ["P3", "HBA1C", "unknown", "", "", "", "", "2", "0", "0"],
  ["P3", "ENGLISH", "unknown", "", "", "", "", "2", "0", "0"],
];

describe("eval screen", () => {
  it("decides each patient × criterion by its rule from the letters' answers, writes the table, scores it against n2c2 gold, and a rerun asks nothing again", async () => {
    const { data, folder } = await storeWithLetters();
    const out = path.join(tempDir(), "screen.csv");
    const args = ["--data", data, "--json", "eval", "screen", "--criteria", path.join(FIXTURES, "criteria.csv"), "--out", out, "--gold", path.join(FIXTURES, "gold"), "--server", server.baseUrl];
    const before = chats();
    const run = await runCli(args);
    // One question failed: exit 1, the rest decided.
    expect(run.code, run.stderr).toBe(1);
    expect(chats() - before).toBe(7 * 4);

    const table = readTable(out);
    expect(Object.keys(table[0] ?? {})).toEqual(["patient", "criterion", "status", "value", "letter_id", "letter", "letter_date", "quote", "grounded", "letters", "answered", "failed"]);
    expect(table.map((row) => [row.patient, row.criterion, row.status, row.value, row.letter === "" ? "" : path.relative(folder, row.letter as string), row.letter_date, row.quote, row.letters, row.answered, row.failed])).toEqual(EXPECTED);
    for (const row of table) expect(row.grounded).toBe(row.status === "unknown" ? "" : "true");
    // letter_id is the store's id of the letter named.
    const ids = new Map(table.filter((row) => row.letter !== "").map((row) => [row.letter, row.letter_id]));
    expect(new Set(ids.values()).size).toBe(ids.size);

    const summary = run.events.at(-1) as Record<string, unknown> & { score: Record<string, unknown> & { by_criterion: Record<string, Record<string, number | null>>; mean_over_criteria: Record<string, number>; n2c2_overall: { met: Record<string, number>; not_met: Record<string, number>; micro_f1: number } } };
    expect(summary).toMatchObject({ type: "summary", patients: 3, letters: 7, criteria: 4, asked: 28, failed: 1, cached: 0, stopped: false });
    expect(summary.by_criterion).toEqual({ SMOKER: { met: 1, "not met": 1, unknown: 1 }, CREATININE: { met: 1, "not met": 1, unknown: 1 }, HBA1C: { met: 1, "not met": 1, unknown: 1 }, ENGLISH: { met: 1, "not met": 1, unknown: 1 } });

    // Against the gold (P1 met/met/met, P2 not met/met/met, P3 met/not met/met for CREATININE/HBA1C/ENGLISH);
    // an unknown is an invalid answer, SMOKER is no n2c2 criterion and is not scored.
    // CREATININE, predicted [met, not met, —]: accuracy 2/3; recall met 1/2, not met 1/1 → balanced 3/4;
    //   micro-F1 tp 2, fp 0, fn 1 → 4/5; F1 of met tp 1, fn 1 → 2/3.
    expect(summary.score.by_criterion.CREATININE).toEqual({ n: 3, accuracy: 2 / 3, balanced_accuracy: 0.75, micro_f1: 0.8, f1_met: 2 / 3, invalid_predictions: 1 });
    // HBA1C, gold [met, met, not met], predicted [not met, met, —]: accuracy 1/3; recall met 1/2, not met 0
    //   → 1/4; micro-F1 tp 1, fp 1, fn 2 → 2/5; F1 of met tp 1, fn 1 → 2/3.
    expect(summary.score.by_criterion.HBA1C).toEqual({ n: 3, accuracy: 1 / 3, balanced_accuracy: 0.25, micro_f1: 0.4, f1_met: 2 / 3, invalid_predictions: 1 });
    // ENGLISH, gold all met, predicted [met, not met, —]: accuracy 1/3; recall met 1/3; micro-F1 over
    //   {met}: tp 1, fp 0, fn 2 → 1/2; F1 of met 1/2.
    expect(summary.score.by_criterion.ENGLISH).toEqual({ n: 3, accuracy: 1 / 3, balanced_accuracy: 1 / 3, micro_f1: 0.5, f1_met: 0.5, invalid_predictions: 1 });
    expect(Object.keys(summary.score.by_criterion)).toEqual(["CREATININE", "HBA1C", "ENGLISH"]);
    expect(summary.score.mean_over_criteria.balanced_accuracy).toBeCloseTo((0.75 + 0.25 + 1 / 3) / 3, 12);
    expect(summary.score.mean_over_criteria.micro_f1).toBeCloseTo((0.8 + 0.4 + 0.5) / 3, 12);
    // n2c2 overall: "met" tp 3 (P1 CREATININE, P2 HBA1C, P1 ENGLISH), fp 0, fn 4 → 6/10; "not met"
    //   tp 1 (P2 CREATININE), fp 2 (P1 HBA1C, P2 ENGLISH), fn 1 (P3 HBA1C) → 2/5; averaged 1/2.
    expect(summary.score.n2c2_overall).toEqual({ met: { tp: 3, fp: 0, fn: 4, f1: 0.6 }, not_met: { tp: 1, fp: 2, fn: 1, f1: 0.4 }, micro_f1: 0.5 });
    expect(summary.score).toMatchObject({ patients: 3, invalid_predictions: 3, missing_prediction_files: 0, notes: ["not n2c2 criteria, not scored: SMOKER"] });

    // Run again: every letter × criterion is answered in the journal; nothing is asked (the server's
    // model is only looked up, to check it is the one that answered).
    const again = await runCli(args);
    expect(again.code).toBe(1);
    expect(chats() - before).toBe(7 * 4);
    expect(again.events.at(-1)).toMatchObject({ asked: 0, cached: 28, failed: 1 });
    expect(readTable(out)).toEqual(table);
    // Another model on the same answers is refused, though nothing is left to ask: its table would show the first model's answers.
    const answeredBy = (run.events.at(-1) as { model: string }).model;
    const otherModel = await runCli(["--data", data, "eval", "screen", "--criteria", path.join(FIXTURES, "criteria.csv"), "--out", out, "--model", testModel()]);
    expect(otherModel.code).toBe(2);
    expect(otherModel.stderr).toContain(`holds the answers of model "${answeredBy}", not "${path.basename(testModel(), ".gguf")}"`);
    expect(readTable(out)).toEqual(table);

    // --retry-failed asks the one failed question again; P3's creatinine 2.4 now decides: met, and scored right.
    const retried = await runCli([...args, "--retry-failed"]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(chats() - before).toBe(29);
    const creatinine = readTable(out).find((row) => row.patient === "P3" && row.criterion === "CREATININE");
    expect(creatinine).toMatchObject({ status: "met", value: "2.4", letter_date: "2022-08-30", quote: "Creatinine 2.4 mg/dL", answered: "1", failed: "0" });
    const rescored = retried.events.at(-1) as typeof summary;
    expect(rescored.score.by_criterion.CREATININE).toEqual({ n: 3, accuracy: 1, balanced_accuracy: 1, micro_f1: 1, f1_met: 1, invalid_predictions: 0 });
    expect(rescored.score.n2c2_overall.met).toEqual({ tp: 4, fp: 0, fn: 3, f1: 8 / 11 });

    // For people: the summary table and the score.
    const human = await runCli(["--data", data, "eval", "screen", "--criteria", path.join(FIXTURES, "criteria.csv"), "--out", out, "--gold", path.join(FIXTURES, "gold"), "--server", server.baseUrl]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/SMOKER\s+1\s+1\s+1/);
    expect(human.stdout).toContain("n2c2 overall micro-F1");
  }, 120_000);

  it("refuses a bad criteria file, naming each bad row and what is wrong, before asking anything", async () => {
    const { data } = await storeWithLetters();
    const criteria = path.join(tempDir(), "criteria.csv");
    writeFileSync(
      criteria,
      [
        "id,question,kind,threshold,combine",
        "A,Does the patient smoke?,yes/no,,any",
        ",No id here?,yes/no,,any",
        "A,Asked twice?,yes/no,,all",
        "B,Creatinine?,numeric,,max",
        "C,HbA1c?,numeric,between 6 and 9,latest",
        "D,Smokes?,yes/no,> 1,most",
        "E,Smokes?,yes/no,,max",
        "F,Weight?,number,> 80,any",
      ].join("\n"),
    );
    const before = server.requests.length;
    const run = await runCli(["--data", data, "eval", "screen", "--criteria", criteria, "--out", path.join(tempDir(), "t.csv"), "--server", server.baseUrl]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `oncotimeline: ${criteria}: 8 problem(s):\n` +
        "  row 3: no id\n" +
        '  row 4: criterion "A" is already on row 2\n' +
        "  row 5: a numeric criterion needs a threshold to be met or not\n" +
        '  row 6: threshold "between 6 and 9" is not > x, >= x, < x, <= x or low..high\n' +
        '  row 7: combine "most" is not any, all, max or latest\n' +
        "  row 7: a yes/no criterion takes no threshold\n" +
        "  row 8: combine max needs a numeric criterion (the highest value decides)\n" +
        '  row 9: kind "number" is not yes/no or numeric\n',
    );
    expect(server.requests.length).toBe(before);
    const noColumns = path.join(tempDir(), "c.csv");
    writeFileSync(noColumns, "id,question\nA,Smokes?\n");
    const missing = await runCli(["--data", data, "eval", "screen", "--criteria", noColumns, "--out", path.join(tempDir(), "t.csv"), "--server", server.baseUrl]);
    expect(missing.stderr).toContain(`${noColumns}: no column kind, combine`);
  }, 60_000);
});

/**
 * `dataset build` from the studio's synthetic letters (here the demo letters and their gold, stored
 * as the studio stores generated ones): chat rows with the extraction prompt and the gold as the
 * extractor emits it, tokens counted with the base model's tokenizer and chat template, an
 * over-length row reported and left out, a seeded split with no letter on both sides, and a card
 * whose hashes are the files'.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getLlama } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { loadExtractionPrompt } from "../../src-main/extract/prompt.ts";
import { openStore } from "../../src-main/store/db.ts";
import { cloudSafeDataset, RealLettersError } from "../../src-main/datasets/cloudSafe.ts";
import { insertLetter } from "../../src-main/store/letters.ts";
import { registerModelRecord } from "../../src-main/store/models.ts";
import { saveReview } from "../../src-main/store/reviews.ts";
import { asEmitted, dropNulls, TIMELINE_GENERATION_SCHEMA } from "../../src-shared/generationSchema.ts";
import { TimelineDocumentSchema } from "../../src-shared/timeline.ts";
import { runCli } from "../helpers/cli.ts";
import { demoLettersWithGold } from "../helpers/fakeOpenAiServer.ts";
import { writeStudioStore } from "../helpers/studioStore.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { useTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const testModel = useTestModel();
const demo = demoLettersWithGold();
const studioStore = (withQa = false) => writeStudioStore(tempDir(), withQa);
type Row = { messages: { role: string; content: string }[]; metadata: { id: string; letter_type: string; tokens: number } };
const rowsOf = (file: string): Row[] => readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Row);
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("dataset build", () => {
  it("writes chat rows counted with the base tokenizer, split by letter with a seed, with a card whose hashes are the files'", async () => {
    const data = studioStore();
    const build = (name: string, ...more: string[]) => runCli(["--data", data, "--json", "dataset", "build", "--name", name, "--base", testModel(), "--test-fraction", "0.2", ...more]);
    const first = await build("demo");
    expect(first.code, first.stderr).toBe(0);
    const card = first.events.at(-1) as { counts: Record<string, unknown>; files: Record<string, { rows: number; sha256: string }>; tokens: { max: number }; origin: string; prompt_version: string };
    // 15 accepted letters (the rejected one is not used); 20% of 15 letters held out: 3.
    expect(card.counts).toMatchObject({ rows: 15, train: 12, test: 3, excluded: 0, by_letter_type: { initial_assessment: 5, follow_up: 5, discharge_summary: 5 } });
    expect(card.origin).toBe("synthetic");
    // Event types counted from the 15 accepted letters' gold.
    const eventTypes = demo.slice(0, 15).flatMap((letter) => (JSON.parse(letter.gold) as { primary_cancer: { cancer_timeline: { type: string }[] } }).primary_cancer.cancer_timeline.map((event) => event.type));
    expect(card.counts.by_event_type).toEqual(Object.fromEntries([...new Set(eventTypes)].sort().map((type) => [type, eventTypes.filter((other) => other === type).length])));
    const prompt = loadExtractionPrompt();
    expect(card.prompt_version).toBe(prompt.version);
    const folder = path.join(data, "datasets", "demo");
    const train = rowsOf(path.join(folder, "train.jsonl"));
    const test = rowsOf(path.join(folder, "test.jsonl"));
    expect(card.files["train.jsonl"]).toEqual({ rows: 12, sha256: sha256(path.join(folder, "train.jsonl")) });
    expect(card.files["test.jsonl"]).toEqual({ rows: 3, sha256: sha256(path.join(folder, "test.jsonl")) });
    expect({ type: "summary", ...JSON.parse(readFileSync(path.join(folder, "card.json"), "utf8")) }).toEqual(card);
    expect(new Set([...train, ...test].map((row) => row.metadata.id)).size).toBe(15);

    // Each row: the extraction prompt, the letter, and the gold as the extractor emits it (schema order, compact).
    const byText = new Map(demo.map((letter) => [letter.text, letter.gold]));
    const llama = await getLlama({ gpu: false, build: "never" });
    const model = await llama.loadModel({ modelPath: testModel(), vocabOnly: true });
    try {
      for (const row of [...train, ...test]) {
        const [system, user, assistant] = row.messages as [Row["messages"][number], Row["messages"][number], Row["messages"][number]];
        expect([system.role, user.role, assistant.role]).toEqual(["system", "user", "assistant"]);
        expect(system.content).toBe(prompt.text);
        // As the grammar makes the extractor write it: every key, an absent one as null; without the nulls, the gold.
        const gold = TimelineDocumentSchema.parse(JSON.parse(byText.get(user.content) as string));
        const emitted = JSON.parse(assistant.content) as { primary_cancer: Record<string, unknown> };
        expect(Object.keys(emitted.primary_cancer)).toEqual(["site", "year", "month", "metastases", "tnm_stage", "other_stage", "histopathology_status", "biomarker_status", "cancer_timeline"]);
        expect(dropNulls(emitted)).toEqual(gold);
        expect(assistant.content).toBe(JSON.stringify(asEmitted(gold, TIMELINE_GENERATION_SCHEMA)));
        // Counted independently: Llama 3's chat template written out, tokenised with its special tokens.
        const text = `<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n${system.content}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n${user.content}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n${assistant.content}<|eot_id|>`;
        expect(row.metadata.tokens).toBe(model.tokenize(text, true).length);
      }
    } finally {
      await model.dispose();
      await llama.dispose();
    }

    // The same seed: the same files; another seed: another split.
    const again = await build("demo-again");
    expect((again.events.at(-1) as typeof card).files).toEqual(card.files);
    const reseeded = await build("demo-seed-2", "--seed", "2");
    expect((reseeded.events.at(-1) as typeof card).files["test.jsonl"]?.sha256).not.toBe(card.files["test.jsonl"]?.sha256);

    // A maximum below the longest row: that row is reported by id and left out, exit 1.
    const short = await build("demo-short", "--max-tokens", String(card.tokens.max - 1));
    expect(short.code).toBe(1);
    const shortCard = short.events.at(-1) as { counts: { rows: number; excluded: number }; excluded: { id: string; reason: string }[] };
    expect(shortCard.counts.excluded).toBeGreaterThanOrEqual(1);
    expect(shortCard.counts.rows + shortCard.counts.excluded).toBe(15);
    expect(shortCard.excluded[0]?.reason).toBe(`${card.tokens.max} tokens, over the maximum of ${card.tokens.max - 1}`);

    // A name in use is refused; the list names every set.
    const taken = await build("demo");
    expect(taken.code).toBe(2);
    expect(taken.stderr.trim()).toBe('oncotimeline: a training set named "demo" exists already: choose another name');
    const listed = await runCli(["--data", data, "--json", "dataset", "list"]);
    expect(listed.events.map((event) => event.name)).toEqual(["demo", "demo-again", "demo-seed-2", "demo-short"]);
  }, 180_000);

  it("QA rows: the accepted pairs at least --min-difficulty hard, balanced by kind with the seed, a letter's pairs all on one side", async () => {
    const data = studioStore(true);
    const run = await runCli(["--data", data, "--json", "dataset", "build", "--name", "qa", "--base", testModel(), "--source", "qa", "--min-difficulty", "3", "--test-fraction", "0.2"]);
    expect(run.code, run.stderr).toBe(0);
    const card = run.events.at(-1) as { source: string; counts: Record<string, unknown>; settings: Record<string, unknown>; prompt_version: string };
    // Of the 15 accepted letters' pairs at difficulty 3 or more: 30 yes/no, 15 numeric, 10 not-answerable
    // yes/no, 8 not-answerable numeric; balanced to 8 of each = 32 rows, 31 left out to balance.
    expect(card.source).toBe("qa");
    expect(card.counts).toMatchObject({ rows: 32, excluded: 0, balanced_away: 31, by_qa_kind: { yes_no: 8, numeric: 8, not_answerable_yes_no: 8, not_answerable_numeric: 8 } });
    expect(card.settings).toMatchObject({ min_difficulty: 3 });
    expect(card.prompt_version).toMatch(/^qa-answer-system\.v1@/);
    const folder = path.join(data, "datasets", "qa");
    const rows = [...rowsOf(path.join(folder, "train.jsonl")), ...rowsOf(path.join(folder, "test.jsonl"))];
    expect(rows).toHaveLength(32);
    const letterOf = (row: Row) => Number(/about letter (\d+)\?$/.exec(row.messages[1]?.content ?? "")?.[1]);
    for (const row of rows) {
      const letter = demo[letterOf(row)] as (typeof demo)[number];
      expect(row.messages[1]?.content.startsWith(`${letter.text}\n\nQuestion: `)).toBe(true);
      const answer = JSON.parse(row.messages[2]?.content ?? "") as { answer: string; source: string };
      expect(Object.keys(answer)).toEqual(["answer", "source"]);
      // Not answerable: N/A with no source; otherwise the pair's verbatim quote.
      expect(answer.source).toBe(answer.answer === "N/A" ? "" : letter.text.slice(0, 24));
    }
    expect(rows.some((row) => row.messages[1]?.content.includes("never used"))).toBe(false);
    // No letter on both sides.
    const testLetters = new Set(rowsOf(path.join(folder, "test.jsonl")).map(letterOf));
    expect(rowsOf(path.join(folder, "train.jsonl")).filter((row) => testLetters.has(letterOf(row)))).toEqual([]);
    expect(testLetters.size).toBeGreaterThan(0);
  }, 120_000);

  it("real letters only when asked: reviewed ones with their corrections, split by patient, and the set can never reach a cloud provider", async () => {
    const data = studioStore();
    const db = openStore(data);
    const model = registerModelRecord(db, { name: "m", path: "/m.gguf", bytes: 1, fingerprint: "f" });
    // Six real letters of three patients: four reviewed (a corrected document), one in review, one with no patient.
    const real = demo.slice(0, 6).map((letter, i) => {
      const { letterId } = insertLetter(db, { text: `${letter.text}\n(real copy ${i})`, sourcePath: `/ward/${i}.txt`, sourceRow: null, sourceFormat: "txt", patientExternalId: i === 5 ? null : `P${Math.floor(i / 2)}`, letterDate: null });
      const corrected = { ...JSON.parse(letter.gold), status_updates: [{ type: "clinical_summary", value: `corrected ${i}` }] };
      saveReview(db, { letterId, modelId: model.id }, { document: corrected, accepted: [], state: i === 4 ? "in_review" : "reviewed", edits: 1 });
      return letterId;
    });
    db.close();
    const build = (name: string, ...more: string[]) => runCli(["--data", data, "--json", "dataset", "build", "--name", name, "--base", testModel(), "--test-fraction", "0.3", ...more]);

    // Without --include-reviewed no real letter is taken.
    const synthetic = await build("synthetic");
    expect((synthetic.events.at(-1) as { origin: string; counts: { rows: number } }).origin).toBe("synthetic");
    const mixed = await build("mixed", "--include-reviewed");
    expect(mixed.code, mixed.stderr).toBe(0);
    const card = mixed.events.at(-1) as { origin: string; counts: { rows: number; by_letter_type: Record<string, number> } };
    expect(card.origin).toBe("contains-real");
    expect(card.counts.rows).toBe(15 + 5);
    expect(card.counts.by_letter_type.real).toBe(5);
    const folder = path.join(data, "datasets", "mixed");
    const rows = [...rowsOf(path.join(folder, "train.jsonl")).map((row) => ({ row, side: "train" })), ...rowsOf(path.join(folder, "test.jsonl")).map((row) => ({ row, side: "test" }))];
    const realRows = rows.filter(({ row }) => row.metadata.id.startsWith("letter-"));
    expect(realRows.map(({ row }) => row.metadata.id).sort()).toEqual([0, 1, 2, 3, 5].map((i) => `letter-${real[i]}`).sort());
    // The corrected document is the assistant's answer; a patient's letters are on one side.
    expect(realRows.every(({ row }) => /corrected \d/.test(row.messages[2]?.content ?? ""))).toBe(true);
    const sideOf = (i: number) => realRows.find(({ row }) => row.metadata.id === `letter-${real[i]}`)?.side;
    expect(sideOf(0)).toBe(sideOf(1));
    expect(sideOf(2)).toBe(sideOf(3));

    const store = openStore(data);
    try {
      expect(() => cloudSafeDataset(store, "mixed")).toThrow(RealLettersError);
      expect(() => cloudSafeDataset(store, "mixed")).toThrow('training set "mixed" holds real letters: it can be used on this hospital\'s cluster only, never sent to a cloud provider');
      expect(cloudSafeDataset(store, "synthetic").files).toHaveLength(2);
      // A real row slipped into a synthetic set's file afterwards is caught at hand-off.
      const tampered = path.join(data, "datasets", "synthetic", "test.jsonl");
      writeFileSync(tampered, `${readFileSync(tampered, "utf8")}${JSON.stringify({ ...(realRows[0]?.row as Row) })}\n`);
      expect(() => cloudSafeDataset(store, "synthetic")).toThrow(/test.jsonl holds a row that is not from a synthetic letter \(letter-\d+\)/);
    } finally {
      store.close();
    }
    const listed = await runCli(["--data", data, "dataset", "list"]);
    expect(listed.stdout).toMatch(/^mixed {2}contains-real /m);
  }, 120_000);
});

/**
 * Gold sets in the store (`eval gold add|list|show`, goldSets.*): made from the studio's letters
 * and QA pairs, reviewed letters, a training set's test split and files (timelines with letters,
 * QA, n2c2); written out for the scorers, named by `--gold-set`; and each item's letter checked
 * against the training sets' train splits, so a letter a model was trained on is flagged.
 */
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../../src-main/api/services.ts";
import { dispatchApiCall } from "../../src-main/api/dispatch.ts";
import { openStore } from "../../src-main/store/db.ts";
import { insertLetter } from "../../src-main/store/letters.ts";
import { registerModelRecord } from "../../src-main/store/models.ts";
import { saveReview } from "../../src-main/store/reviews.ts";
import { dropNulls } from "../../src-shared/generationSchema.ts";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { demoLettersWithGold, startFakeOpenAiServer, type FakeOpenAiServer } from "../helpers/fakeOpenAiServer.ts";
import { writeStudioStore } from "../helpers/studioStore.ts";
import { useTempDirs } from "../helpers/tempDir.ts";
import { useTestModel } from "../helpers/testModel.ts";

const tempDir = useTempDirs();
const testModel = useTestModel();
const demo = demoLettersWithGold();
const DEMO = path.join(REPO_ROOT, "resources", "demo");
const N2C2_GOLD = path.join(REPO_ROOT, "test", "fixtures", "n2c2", "gold");

type Summary = { name: string; kind: string; items: number; withLetter: number; leaked: number; goldPath: string; lettersDir: string; notes: string[]; origin: string };
type Detail = Summary & { itemsList: { name: string; note: string | null; hasLetter: boolean; leakedInto: string[] }[] };
const last = <T>(result: { events: Record<string, unknown>[] }) => result.events.at(-1) as T;

let server: FakeOpenAiServer;
beforeAll(async () => {
  // Answers each demo letter with its own gold: a perfect model.
  const answers = new Map(demo.map((letter) => [letter.text, letter.gold]));
  server = await startFakeOpenAiServer({ respond: (request) => answers.get(request.messages.find((m) => m.role === "user")?.content ?? "") ?? "{}" });
});
afterAll(async () => {
  await server.close();
});

describe("gold sets", () => {
  it("from the studio's letters: stored, written out, scored by name, and flagged once a training set holds their letters", async () => {
    const data = writeStudioStore(tempDir());
    const cli = (...args: string[]) => runCli(["--data", data, "--json", ...args]);
    const added = await cli("eval", "gold", "add", "studio", "--from", "synthetic");
    expect(added.code, added.stderr).toBe(0);
    const set = last<Summary>(added);
    // 15 accepted letters (the 16th is rejected), each with its letter, none in a training set yet.
    expect(set).toMatchObject({ name: "studio", kind: "timeline", items: 15, withLetter: 15, leaked: 0, goldPath: path.join(data, "gold-sets", "studio", "gold") });
    const files = readdirSync(set.goldPath).sort();
    expect(files).toHaveLength(15);
    // Each gold file is the studio's gold (as the extractor writes it, nulls for absent values), its letter beside.
    for (const file of files) {
      const stem = file.replace(/\.json$/, "");
      const letter = readFileSync(path.join(set.lettersDir, `${stem}.txt`), "utf8");
      const source = demo.find((candidate) => candidate.text === letter);
      expect(source, stem).toBeDefined();
      expect(dropNulls(JSON.parse(readFileSync(path.join(set.goldPath, file), "utf8")))).toEqual(JSON.parse(source?.gold ?? ""));
    }

    // Scored by name: the gold against itself is perfect.
    const self = await cli("eval", "score", "--gold-set", "studio", "--pred", set.goldPath);
    expect(self.code, self.stderr).toBe(0);
    expect(last<{ strict: { overall: { f1: number } } }>(self).strict.overall.f1).toBe(1);
    // What is scored is what was stored: a gold file changed on disk is written back.
    writeFileSync(path.join(set.goldPath, files[0] as string), "{}");
    const stillSelf = await cli("eval", "score", "--gold-set", "studio", "--pred", path.join(data, "gold-sets", "studio", "gold"));
    expect(last<{ strict: { overall: { f1: number } } }>(stillSelf).strict.overall.f1).toBe(1);
    const compared = await cli("eval", "compare", "--gold-set", "studio", "--pred", set.goldPath, "--pred", set.goldPath, "--names", "a,b", "--resamples", "100");
    expect(compared.code, compared.stderr).toBe(0);
    expect(last<{ strict: { overall: { a: number; difference: number } } }>(compared).strict.overall).toMatchObject({ a: 1, difference: 0 });
    const both = await cli("eval", "score", "--gold-set", "studio", "--gold", set.goldPath, "--pred", set.goldPath);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give the gold as --gold PATH or --gold-set NAME (one of them)");
    const unknown = await cli("eval", "score", "--gold-set", "nope", "--pred", set.goldPath);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no gold set named "nope" (oncotimeline eval gold list)');

    // A training set built from the same letters: 12 go to its train split, and those 12 are flagged.
    const built = await cli("dataset", "build", "--name", "demo", "--base", testModel(), "--test-fraction", "0.2");
    expect(built.code, built.stderr).toBe(0);
    const trainIds = readFileSync(path.join(data, "datasets", "demo", "train.jsonl"), "utf8").trim().split("\n").map((line) => (JSON.parse(line) as { metadata: { id: string } }).metadata.id);
    expect(trainIds).toHaveLength(12);
    const shown = await cli("eval", "gold", "show", "studio");
    const detail = last<Detail>(shown);
    expect(detail.leaked).toBe(12);
    expect(detail.itemsList.filter((item) => item.leakedInto.length > 0).map((item) => item.name).sort()).toEqual([...trainIds].sort());
    expect(detail.itemsList.filter((item) => item.leakedInto.length > 0).every((item) => item.leakedInto.join() === "demo")).toBe(true);
    const human = await runCli(["--data", data, "eval", "gold", "show", "studio"]);
    expect(human.stdout).toContain(`LEAKED ${trainIds[0]}: its letter is a training row of demo`);

    // The training set's test split as a gold set: 3 letters, none leaked; a run over it by name.
    const heldOut = await cli("eval", "gold", "add", "held-out", "--from", "dataset", "--dataset", "demo");
    expect(last<Summary>(heldOut)).toMatchObject({ kind: "timeline", items: 3, withLetter: 3, leaked: 0, origin: "the test split of training set demo" });
    const predictions = path.join(tempDir(), "predictions");
    const run = await cli("eval", "run", "--gold-set", "held-out", "--predictions", predictions, "--server", server.baseUrl);
    expect(run.code, run.stderr).toBe(0);
    expect(last<{ letters: number; strict: { overall: { f1: number } } }>(run)).toMatchObject({ letters: 3, strict: { overall: { f1: 1 } } });

    const listed = await cli("eval", "gold", "list");
    expect(listed.events.map((event) => [event.name, event.items, event.leaked])).toEqual([
      ["studio", 15, 12],
      ["held-out", 3, 0],
    ]);
    // The app's calls read the same store.
    const services = createServices({ dataDir: data, log: () => {} });
    let predPath = "";
    try {
      const call = async (name: "goldSets.list" | "goldSets.show" | "goldSets.create", input: unknown) => dispatchApiCall(services.handlers, name, input);
      const list = await call("goldSets.list", {});
      expect(list.ok && (list.value as Summary[]).map((item) => [item.name, item.leaked])).toEqual([
        ["studio", 12],
        ["held-out", 0],
      ]);
      const again = await call("goldSets.create", { name: "studio", source: { from: "synthetic" } });
      expect(again).toMatchObject({ ok: false, error: { code: "invalid-input", message: 'a gold set named "studio" exists already (oncotimeline eval gold list)' } });
      const badName = await call("goldSets.create", { name: "../up", source: { from: "synthetic" } });
      expect(badName.ok).toBe(false);
      // The run's model's extractions of a set's letters, written to score: all 3 of the held-out
      // set; of the studio set, the same 3 (its other 12 letters were never imported).
      const models = await dispatchApiCall(services.handlers, "models.list", {});
      const modelId = (models.ok ? (models.value as { id: number; path: string }[]) : []).find((model) => model.path === server.baseUrl)?.id;
      const heldOutRun = await dispatchApiCall(services.handlers, "goldSets.predictions", { name: "held-out", modelId });
      expect(heldOutRun).toMatchObject({ ok: true, value: { written: 3, failed: 0, notImported: [], notExtracted: [] } });
      const studioRun = await dispatchApiCall(services.handlers, "goldSets.predictions", { name: "studio", modelId });
      expect(studioRun.ok && (studioRun.value as { written: number; notImported: string[] })).toMatchObject({ written: 3 });
      expect(studioRun.ok && (studioRun.value as { notImported: string[] }).notImported).toHaveLength(12);
      predPath = heldOutRun.ok ? (heldOutRun.value as { predPath: string }).predPath : "";
    } finally {
      await services.close();
    }
    // Naming the set writes its gold out again; the predictions written under its folder stay, and score perfect.
    const scoredRun = await cli("eval", "score", "--gold-set", "held-out", "--pred", predPath);
    expect(scoredRun.code, scoredRun.stderr).toBe(0);
    expect(last<{ letters: number; strict: { overall: { f1: number } } }>(scoredRun)).toMatchObject({ letters: 3, strict: { overall: { f1: 1 } } });
  }, 180_000);

  it("from the studio's QA pairs, from reviewed letters, and from files: QA, timelines with their letters, n2c2; bad input named", async () => {
    const data = writeStudioStore(tempDir(), true);
    const cli = (...args: string[]) => runCli(["--data", data, "--json", ...args]);
    const qa = await cli("eval", "gold", "add", "qa", "--from", "synthetic-qa");
    expect(qa.code, qa.stderr).toBe(0);
    const qaSet = last<Summary>(qa);
    // 15 accepted letters: 4 pairs each, plus a not-answerable yes/no on the first ten.
    expect(qaSet).toMatchObject({ kind: "qa", items: 15 * 4 + 10, withLetter: 70 });
    const lines = readFileSync(qaSet.goldPath, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { id: string; note_id: string; kind: string; question: string; answer: unknown; source: string });
    expect(lines[0]).toMatchObject({ kind: "yes_no", question: "Question 0 about letter 0?", answer: "Yes" });
    // Each note's letter is written once, under its id.
    expect(readFileSync(path.join(qaSet.lettersDir, `${lines[0]?.note_id}.txt`), "utf8")).toBe(demo[0]?.text);
    const perfect = await cli("eval", "score", "--gold-set", "qa", "--pred", qaSet.goldPath);
    expect(last<{ overall: { accuracy: number; n: number } }>(perfect).overall).toMatchObject({ accuracy: 1, n: 70 });

    // Reviewed letters: the reviewer's corrected timeline is the gold; a letter still in review is not taken.
    const db = openStore(data);
    const model = registerModelRecord(db, { name: "m", path: "/m.gguf", bytes: 1, fingerprint: "f" });
    demo.slice(0, 3).forEach((letter, i) => {
      const { letterId } = insertLetter(db, { text: letter.text, sourcePath: `/ward/${i}.txt`, sourceRow: null, sourceFormat: "txt", patientExternalId: `P${i}`, letterDate: null });
      const corrected = { ...JSON.parse(letter.gold), status_updates: [{ type: "clinical_summary", value: `corrected ${i}` }] };
      saveReview(db, { letterId, modelId: model.id }, { document: corrected, accepted: [], state: i === 2 ? "in_review" : "reviewed", edits: 1 });
    });
    db.close();
    const reviewed = last<Summary>(await cli("eval", "gold", "add", "reviewed", "--from", "reviewed"));
    expect(reviewed).toMatchObject({ kind: "timeline", items: 2, withLetter: 2 });
    const reviewedGold = readdirSync(reviewed.goldPath).map((file) => JSON.parse(readFileSync(path.join(reviewed.goldPath, file), "utf8")) as { status_updates: { value: string }[] });
    expect(reviewedGold.map((gold) => gold.status_updates.map((update) => update.value)).sort()).toEqual([["corrected 0"], ["corrected 1"]]);

    // Files: the demo gold with its letters, one gold file holding a type outside the schema, one letter missing.
    const goldDir = path.join(tempDir(), "gold");
    const lettersDir = path.join(tempDir(), "letters");
    cpSync(path.join(DEMO, "gold"), goldDir, { recursive: true });
    cpSync(path.join(DEMO, "letters"), lettersDir, { recursive: true });
    const [firstGold] = readdirSync(goldDir).sort();
    const edited = JSON.parse(readFileSync(path.join(goldDir, firstGold as string), "utf8")) as { primary_cancer: { cancer_timeline: unknown[] } };
    edited.primary_cancer.cancer_timeline.push({ type: "investigation_finding", value: "CT chest clear" });
    writeFileSync(path.join(goldDir, firstGold as string), JSON.stringify(edited));
    const missingStem = (readdirSync(lettersDir).sort()[1] as string).replace(/\.txt$/, "");
    rmSync(path.join(lettersDir, `${missingStem}.txt`));
    const fromFiles = await cli("eval", "gold", "add", "files", "--from", "files", "--gold", goldDir, "--letters", lettersDir);
    expect(fromFiles.code, fromFiles.stderr).toBe(0);
    const filesSet = last<Summary>(fromFiles);
    expect(filesSet).toMatchObject({ kind: "timeline", items: 16, withLetter: 15 });
    expect(filesSet.notes.join("\n")).toMatch(/investigation_finding/);
    expect(filesSet.notes).toContain(`${missingStem}: no letter ${path.join(lettersDir, `${missingStem}.txt`)}`);
    // Such a set scores files but cannot be run.
    const cannotRun = await cli("eval", "run", "--gold-set", "files", "--predictions", tempDir(), "--server", server.baseUrl);
    expect(cannotRun.code).toBe(2);
    expect(cannotRun.stderr).toContain("gold set files: 1 of its 16 items have no letter to run the model over");

    const cohort = last<Summary>(await cli("eval", "gold", "add", "n2c2", "--from", "files", "--gold", N2C2_GOLD));
    expect(cohort).toMatchObject({ kind: "cohort", items: readdirSync(N2C2_GOLD).length, withLetter: readdirSync(N2C2_GOLD).length });
    const cohortScore = await cli("eval", "score", "--gold-set", "n2c2", "--pred", N2C2_GOLD);
    expect(last<{ n2c2_overall: { micro_f1: number } }>(cohortScore).n2c2_overall.micro_f1).toBe(1);

    // Bad input: each refused with what is wrong, nothing stored.
    const broken = path.join(tempDir(), "broken");
    cpSync(goldDir, broken, { recursive: true });
    writeFileSync(path.join(broken, "zz-broken.json"), "{ not json");
    const refusals: [string[], string][] = [
      [["eval", "gold", "add", "bad", "--from", "files", "--gold", broken], "zz-broken.json: not valid JSON"],
      [["eval", "gold", "add", "bad", "--from", "dataset"], "--from dataset needs --dataset NAME"],
      [["eval", "gold", "add", "bad", "--from", "dataset", "--dataset", "nope"], 'no training set named "nope"'],
      [["eval", "gold", "add", "bad", "--from", "somewhere"], "--from: one of synthetic, synthetic-qa, reviewed, dataset, files, not \"somewhere\""],
      [["eval", "gold", "add", "bad", "--from", "files", "--gold", path.join(tempDir(), "absent")], "absent: no such file or folder"],
      [["eval", "gold", "add", "qa", "--from", "synthetic"], 'a gold set named "qa" exists already'],
      [["eval", "gold", "add", "a/b", "--from", "synthetic"], 'gold set name "a/b": use letters, digits'],
    ];
    for (const [args, message] of refusals) {
      const refused = await cli(...args);
      expect(refused.code, args.join(" ")).toBe(2);
      expect(refused.stderr).toContain(message);
    }
    expect((await cli("eval", "gold", "list")).events.map((event) => event.name)).toEqual(["qa", "reviewed", "files", "n2c2"]);
    // A QA set has no extractions to write.
    const services = createServices({ dataDir: data, log: () => {} });
    try {
      expect(await dispatchApiCall(services.handlers, "goldSets.predictions", { name: "qa", modelId: 1 })).toMatchObject({ ok: false, error: { code: "invalid-input", message: "gold set qa holds qa items: a model's extractions are timelines" } });
    } finally {
      await services.close();
    }
  }, 180_000);
});

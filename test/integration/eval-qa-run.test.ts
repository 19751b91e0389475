/**
 * `eval run --qa` end to end: a hand-written QA gold set on three demo letters (one more question
 * names a letter that is not in the folder), asked through the real engine (--server) of a
 * loopback OpenAI-compatible server that answers by a known rule: the gold answer and quote,
 * except every third question (a wrong answer), one unreadable answer, one reply that is not
 * JSON and one quote that is not in the letter. The scores that rule implies are worked out below
 * and must be exactly the run's.
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSystemPrompt } from "../../src-main/extract/prompt.ts";
import { QA_ANSWER_PROMPT_FILE, qaUserMessage } from "../../src-main/extract/questionPrompt.ts";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { startFakeOpenAiServer, type ChatRequest, type FakeOpenAiServer, type FakeReply } from "../helpers/fakeOpenAiServer.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const GOLD = path.join(REPO_ROOT, "test", "fixtures", "qa-run", "gold.jsonl");
const LETTERS = path.join(REPO_ROOT, "resources", "demo", "letters");
type GoldLine = { id: string; note_id: string; kind: string; question: string; answer: string; source: string };
const gold = readFileSync(GOLD, "utf8").trim().split("\n").map((line) => JSON.parse(line) as GoldLine);

/** The rule: every third question answered wrongly, q11 unreadable, q8 not JSON, q5's quote not in its letter; the rest the gold. */
const WRONG: Record<string, string> = { q3: "Yes", q6: "No", q9: "3.1", q12: "Yes" };
function reply(question: GoldLine): FakeReply {
  if (question.id === "q8") return { kind: "completion", content: "{ not json" };
  const answer = question.id === "q11" ? "maybe" : (WRONG[question.id] ?? question.answer);
  const source = question.id === "q5" ? "a CEA of 7.8 in the blood" : question.source;
  return { kind: "completion", content: JSON.stringify({ answer, source }) };
}

const questionOf = (request: ChatRequest): GoldLine | undefined => {
  const user = request.messages.find((m) => m.role === "user")?.content ?? "";
  return gold.find((line) => user.endsWith(`\n\nQuestion: ${line.question}`));
};

let server: FakeOpenAiServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer({ replyFor: (request) => ({ ...reply(questionOf(request) as GoldLine), delayMs: 30 }) });
});
afterAll(async () => {
  await server.close();
});

const chats = () => server.chatRequests().length;
const args = (data: string, predictions: string, ...more: string[]) => ["--data", data, "--json", "eval", "run", "--qa", "--gold", GOLD, "--letters", LETTERS, "--predictions", predictions, "--server", server.baseUrl, ...more];

/**
 * The report the rule implies:
 * - boolean (q1 q3 q6 q7 q10 q12 q13): right q1 q7 q10; wrong q3 q6 q12; q13 has no letter, so no
 *   answer (invalid). Accuracy 3/7. Recall of "yes" (q1 q6 q10) 2/3, of "no" (q3 q7 q12 q13) 1/4:
 *   balanced accuracy (2/3 + 1/4) / 2 = 11/24.
 * - numeric (q2 q5 q9): q9 wrong; accuracy 2/3; each answer its own class, recalls 1, 1, 0: 2/3.
 * - na-numeric (q4 q11): q4 right (N/A), q11 unreadable (invalid): 1/2, recalls na 1, 3.2 0: 1/2.
 * - na-boolean (q8): the reply was not JSON (invalid): 0, 0.
 * - overall: 6 of 13 right; classes yes 2/3, no 1/4, 47 1, 7.8 1, 2.8 0, na (q4 q8) 1/2, 3.2 0:
 *   (2/3 + 1/4 + 1 + 1 + 0 + 1/2 + 0) / 7 = 41/84. Invalid: q8, q11, q13.
 */
function expectTheRulesScores(report: { by_kind: Record<string, Record<string, number>>; overall: Record<string, number>; missing_predictions: number }): void {
  expect(report.by_kind.boolean).toMatchObject({ n: 7, accuracy: 3 / 7, invalid_predictions: 1 });
  expect(report.by_kind.boolean?.balanced_accuracy).toBeCloseTo(11 / 24, 12);
  expect(report.by_kind.numeric).toMatchObject({ n: 3, accuracy: 2 / 3, invalid_predictions: 0 });
  expect(report.by_kind.numeric?.balanced_accuracy).toBeCloseTo(2 / 3, 12);
  expect(report.by_kind["na-numeric"]).toMatchObject({ n: 2, accuracy: 0.5, balanced_accuracy: 0.5, invalid_predictions: 1 });
  expect(report.by_kind["na-boolean"]).toMatchObject({ n: 1, accuracy: 0, balanced_accuracy: 0, invalid_predictions: 1 });
  expect(report.overall).toMatchObject({ n: 13, accuracy: 6 / 13, invalid_predictions: 3 });
  expect(report.overall.balanced_accuracy).toBeCloseTo(41 / 84, 12);
  expect(report.missing_predictions).toBe(1);
}

const lines = (file: string) => readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);

describe("eval run --qa", () => {
  it("asks each question as the training rows do, writes the answers with their grounding, and reports exactly the scores the rule implies", async () => {
    const predictions = path.join(tempDir(), "answers.jsonl");
    const before = chats();
    const run = await runCli(args(tempDir(), predictions));
    // q8 failed and q13 has no letter: some items failed.
    expect(run.code, run.stderr).toBe(1);
    expect(chats() - before).toBe(12);

    // Asked exactly as a QA training row asks: the QA prompt, letter + question, the {answer, source} schema.
    const request = server.chatRequests().at(-1)?.body as ChatRequest & { response_format: { json_schema: { name: string; schema: { properties: Record<string, unknown> } } } };
    const asked = questionOf(request) as GoldLine;
    expect(request.messages).toEqual([
      { role: "system", content: loadSystemPrompt(QA_ANSWER_PROMPT_FILE).text },
      { role: "user", content: qaUserMessage(readFileSync(path.join(LETTERS, `${asked.note_id}.txt`), "utf8"), asked.question) },
    ]);
    expect(request.response_format.json_schema.name).toBe("qa_answer");
    expect(Object.keys(request.response_format.json_schema.schema.properties)).toEqual(["answer", "source"]);
    expect(request.max_tokens).toBe(512);

    const written = new Map(lines(predictions).map((line) => [line.id, line]));
    expect([...written.keys()].sort()).toEqual(gold.filter((q) => q.id !== "q13").map((q) => q.id).sort());
    expect(written.get("q1")).toEqual({ id: "q1", answer: "Yes", source: "HER2 3+", grounded: true });
    expect(written.get("q5")).toEqual({ id: "q5", answer: "7.8", source: "a CEA of 7.8 in the blood", grounded: false });
    expect(written.get("q4")).toEqual({ id: "q4", answer: "N/A", source: "", grounded: null });
    expect(written.get("q11")).toMatchObject({ answer: "maybe", grounded: true });
    expect(written.get("q8")).toMatchObject({ answer: null, source: null, grounded: null });
    expect(written.get("q8")?.error).toMatch(/^the reply is not JSON/);
    expect(run.events.find((event) => event.type === "problem")).toEqual({ type: "problem", note_id: "P404_not-in-the-folder", questions: 1, message: `no letter file ${path.join(LETTERS, "P404_not-in-the-folder")}.txt|.docx|.pdf` });
    expect(run.events.find((event) => event.type === "answers")).toMatchObject({ asked: 12, answered: 11, failed: 1, missing_letters: ["P404_not-in-the-folder"] });
    expectTheRulesScores(run.events.at(-1) as never);

    // The file scores the same through eval score.
    const scored = await runCli(["--json", "eval", "score", "--gold", GOLD, "--pred", predictions]);
    expect(scored.events.at(-1)).toEqual(run.events.at(-1));

    // Run again: every question has its line; nothing is asked (the engine is not even opened).
    const requests = server.requests.length;
    const again = await runCli(args(tempDir(), predictions));
    expect(again.code).toBe(1);
    expect(server.requests.length).toBe(requests);
    expect(again.events.at(-1)).toEqual(run.events.at(-1));

    // --retry-failed asks only the failed question again (its old line replaced, not doubled).
    const retried = await runCli(args(tempDir(), predictions, "--retry-failed"));
    expect(chats() - before).toBe(13);
    expect(retried.events.find((event) => event.type === "restored")).toMatchObject({ answered: 11, failedDropped: 1 });
    expect(lines(predictions).filter((line) => line.id === "q8")).toHaveLength(1);
    expectTheRulesScores(retried.events.at(-1) as never);
  }, 120_000);

  it("killed mid-run and run again, asks only what has no answer on disk, and cuts a half-written last line", async () => {
    const data = tempDir();
    const predictions = path.join(tempDir(), "answers.jsonl");
    const before = chats();
    const killed = await runCli(args(data, predictions), {
      onEvent: (event, child) => {
        if (event.type === "answer" && event.id === "q4") child.kill("SIGKILL");
      },
    });
    expect(killed.code).toBe(null);
    // One at a time, in the gold's order: q1-q4 at least (an answer arriving before the kill lands may follow).
    const kept = lines(predictions).map((line) => line.id);
    expect(kept.slice(0, 4)).toEqual(["q1", "q2", "q3", "q4"]);
    expect(kept).toEqual(gold.slice(0, kept.length).map((q) => q.id));
    const askedBeforeKill = chats() - before;
    // As a crash mid-write leaves it.
    appendFileSync(predictions, '{"id":"q12","answer":"N');

    const resumed = await runCli(args(data, predictions));
    expect(resumed.code).toBe(1);
    expect(resumed.events.find((event) => event.type === "restored")).toMatchObject({ answered: kept.length, incompleteLine: true });
    expect(chats() - before - askedBeforeKill).toBe(12 - kept.length);
    const final = lines(predictions);
    expect(final.map((line) => line.id).sort()).toEqual(gold.filter((q) => q.id !== "q13").map((q) => q.id).sort());
    expectTheRulesScores(resumed.events.at(-1) as never);
  }, 120_000);

  it("runs over a stored QA gold set (eval gold add --from files) in place of --gold and --letters", async () => {
    const data = tempDir();
    // The set must have every item's letter: without q13, whose letter is not in the folder.
    const gold12 = path.join(tempDir(), "gold.jsonl");
    writeFileSync(gold12, `${readFileSync(GOLD, "utf8").trim().split("\n").slice(0, 12).join("\n")}\n`);
    for (const [name, file] of [["all13", GOLD], ["twelve", gold12]] as const) {
      const added = await runCli(["--data", data, "eval", "gold", "add", name, "--from", "files", "--gold", file, "--letters", LETTERS]);
      expect(added.code, added.stderr).toBe(0);
    }
    const refused = await runCli(["--data", data, "eval", "run", "--qa", "--gold-set", "all13", "--predictions", path.join(tempDir(), "p.jsonl"), "--server", server.baseUrl]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("gold set all13: 1 of its 13 items have no letter to run the model over");
    const run = await runCli(["--data", data, "--json", "eval", "run", "--qa", "--gold-set", "twelve", "--predictions", path.join(tempDir(), "p.jsonl"), "--server", server.baseUrl]);
    expect(run.code, run.stderr).toBe(1);
    // As above without q13: 6 of 12 right; invalid q8 and q11.
    expect((run.events.at(-1) as { overall: Record<string, number> }).overall).toMatchObject({ n: 12, accuracy: 0.5, invalid_predictions: 2 });
    const timelines = await runCli(["--data", data, "eval", "run", "--gold-set", "twelve", "--predictions", tempDir(), "--server", server.baseUrl]);
    expect(timelines.stderr).toContain("gold set twelve holds qa items: eval run extracts timelines (eval run --qa asks QA questions)");
  }, 120_000);

  it("refuses a gold file without questions, and a timeline folder given with --qa, each in words", async () => {
    const goldWithout = path.join(tempDir(), "gold.jsonl");
    writeFileSync(goldWithout, `${JSON.stringify({ id: "a", note_id: "n", kind: "boolean", answer: "Yes" })}\n`);
    const noQuestion = await runCli(["--data", tempDir(), "eval", "run", "--qa", "--gold", goldWithout, "--letters", LETTERS, "--predictions", path.join(tempDir(), "p.jsonl"), "--server", server.baseUrl]);
    expect(noQuestion.code).toBe(2);
    expect(noQuestion.stderr).toContain(`${goldWithout}: 1 item(s) have no question to ask: a`);
    // For people, the same problem in words.
    const human = await runCli(["--data", tempDir(), "eval", "run", "--qa", "--gold", GOLD, "--letters", LETTERS, "--predictions", path.join(tempDir(), "p.jsonl"), "--server", server.baseUrl]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`note P404_not-in-the-folder: no letter file ${path.join(LETTERS, "P404_not-in-the-folder")}.txt|.docx|.pdf; its 1 question(s) are not asked (scored as missing answers)`);
    expect(human.stdout).toMatch(/overall\s+13\s+0\.462/);
    const folder = await runCli(["--data", tempDir(), "eval", "run", "--gold", GOLD, "--letters", LETTERS, "--predictions", tempDir(), "--server", server.baseUrl]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain("is not a folder of timelines: for a QA gold file add --qa");
  });
});

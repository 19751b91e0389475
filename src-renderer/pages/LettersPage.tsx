import { useCallback, useEffect, useRef, useState, type DragEvent } from "react";
import { DEFAULT_BASE_MODEL, type DemoSetup, type ImportReport, type LetterSummary } from "../../src-shared/api.ts";
import { formatBytes } from "../../src-shared/formatBytes.ts";
import { bridge } from "../api.ts";
import { VirtualList } from "../components/VirtualList.tsx";
import { useLetters } from "../state/letters.ts";
import { useModels } from "../state/models.ts";
import { useNav } from "../state/nav.ts";

const ROW_HEIGHT = 34;
const STATUS_TEXT: Record<LetterSummary["status"], string> = { not_extracted: "not extracted", extracted: "extracted", failed: "failed" };

/** Opens the letter picker: the desktop app's dialog (paths, folders too), else the browser's file input. */
function useChooseLetters(input: React.RefObject<HTMLInputElement | null>): () => Promise<void> {
  const importPaths = useLetters((state) => state.importPaths);
  return useCallback(async () => {
    const desktop = bridge();
    if (desktop) {
      const paths = await desktop.pick({ kind: "letters" });
      if (paths.length) await importPaths(paths);
    } else input.current?.click();
  }, [importPaths, input]);
}

function ImportPanel({ input, choose }: { input: React.RefObject<HTMLInputElement | null>; choose: () => Promise<void> }) {
  const importing = useLetters((state) => state.importing);
  const upload = useLetters((state) => state.upload);
  const importPaths = useLetters((state) => state.importPaths);
  const [dragging, setDragging] = useState(false);
  const desktop = bridge();

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    const files = [...event.dataTransfer.files];
    const toPath = desktop?.pathForFile;
    if (toPath) void importPaths(files.map((file) => toPath(file)).filter(Boolean));
    else void upload(files);
  }

  return (
    <div
      className={`dropzone${dragging ? " dragging" : ""}`}
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <p>Drop letters here (txt, docx, pdf, csv, jsonl), or</p>
      <button type="button" onClick={() => void choose()} disabled={importing}>
        Import letters…
      </button>
      {desktop && (
        <button
          type="button"
          disabled={importing}
          onClick={() => void desktop.pick({ kind: "letters-folder" }).then((folders) => (folders.length ? importPaths(folders) : undefined))}
        >
          Import a folder…
        </button>
      )}
      <input
        ref={input}
        type="file"
        multiple
        hidden
        aria-label="Letter files to import"
        data-testid="letter-files"
        accept=".txt,.docx,.pdf,.csv,.jsonl,.json"
        onChange={(event) => {
          const files = [...(event.target.files ?? [])];
          event.target.value = "";
          void upload(files);
        }}
      />
      {importing && <span className="muted">Importing…</span>}
    </div>
  );
}

/** An empty store's way in (no letters, no model): the demo, your own letters, or a base model. */
function FirstRun({ choose }: { choose: () => Promise<void> }) {
  const trying = useLetters((state) => state.tryingDemo);
  const tryDemo = useLetters((state) => state.tryDemo);
  return (
    <section className="card first-run" aria-labelledby="first-run-heading">
      <h2 id="first-run-heading">Getting started</h2>
      <p>The store has no letters and no model yet. Three ways in:</p>
      <ol className="first-run-ways">
        <li>
          <button type="button" className="primary" disabled={trying} onClick={() => void tryDemo()}>
            {trying ? "Setting up the demo…" : "Try it with the demo letters and the test model"}
          </button>
          <p className="muted">
            Imports the 16 synthetic demo letters and makes a tiny test model with random weights, in a few seconds. Its output is noise: it shows the workflow (extraction, review, export),
            not real results.
          </p>
        </li>
        <li>
          <button type="button" disabled={trying} onClick={() => void choose()}>
            Import your letters…
          </button>
          <p className="muted">Text, Word, PDF, CSV or JSONL files: they stay on this machine. You can also drop them on the box below.</p>
        </li>
        <li>
          <GetBaseModelButton />
          <p className="muted">
            Download {DEFAULT_BASE_MODEL.label} (about {formatBytes(DEFAULT_BASE_MODEL.approxBytes)}) or another GGUF on the Models screen.
          </p>
        </li>
      </ol>
    </section>
  );
}

/** Opens the Models screen with its download section in focus. */
function GetBaseModelButton() {
  const go = useNav((state) => state.go);
  const requestDownloadFocus = useModels((state) => state.requestDownloadFocus);
  return (
    <button
      type="button"
      onClick={() => {
        requestDownloadFocus(true);
        go("models");
      }}
    >
      Get a base model
    </button>
  );
}

/** What the demo set up, and where to go next; said plainly that the test model's output is noise. */
function DemoReady({ demo }: { demo: DemoSetup }) {
  const dismiss = useLetters((state) => state.dismissDemo);
  const go = useNav((state) => state.go);
  const next = useRef<HTMLButtonElement>(null);
  // The first-run panel (and the button that was pressed) has gone: keyboard focus comes here.
  useEffect(() => next.current?.focus(), []);
  const letters = demo.imported > 0 ? `${demo.imported} demo letters imported` : "The demo letters were in the store already";
  const model = demo.modelMade ? `the test model “${demo.model.name}” registered` : `the test model “${demo.model.name}” was registered already`;
  return (
    <section className="card demo-ready" aria-labelledby="demo-ready-heading" data-testid="demo-ready">
      <h2 id="demo-ready-heading">The demo is ready</h2>
      <p>
        {letters}; {model}.
      </p>
      <p>
        <strong>The test model has random weights: what it extracts is noise.</strong> It is there to show the workflow (extraction, review, the patient timeline, export), not to give results. For
        real results, get a base model.
      </p>
      <div className="actions">
        <button ref={next} type="button" className="primary" onClick={() => go("extraction")}>
          Go to Extraction
        </button>
        <GetBaseModelButton />
        <button type="button" className="link" onClick={dismiss}>
          Dismiss
        </button>
      </div>
    </section>
  );
}

function ImportResults({ report }: { report: ImportReport }) {
  const [open, setOpen] = useState(report.problems > 0);
  return (
    <section className="import-report" aria-label="Import results">
      <p>
        <strong>{report.imported}</strong> imported, <strong>{report.duplicates}</strong> duplicates, <strong>{report.problems}</strong> problems ({report.files.length} files){" "}
        <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "Hide files" : "Show files"}
        </button>
      </p>
      {open && (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Result</th>
              <th scope="col">Letters</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {report.files.map((file, i) => (
              <tr key={i} className={`import-${file.status}`}>
                <td>{file.source}</td>
                <td>{file.status}</td>
                <td>{file.letters}</td>
                <td>{file.message ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Filters() {
  const filters = useLetters((state) => state.filters);
  const setFilters = useLetters((state) => state.setFilters);
  const models = useModels((state) => state.models);
  const [search, setSearch] = useState(filters.search);
  const [patient, setPatient] = useState(filters.patient);

  // Typing waits a moment before asking: one query per pause, not one per key.
  useEffect(() => {
    const timer = setTimeout(() => {
      if (search !== useLetters.getState().filters.search || patient !== useLetters.getState().filters.patient) setFilters({ search, patient });
    }, 250);
    return () => clearTimeout(timer);
  }, [search, patient, setFilters]);

  return (
    <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
      <label>
        Search
        <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="text or file name" />
      </label>
      <label>
        Patient
        <input value={patient} onChange={(event) => setPatient(event.target.value)} placeholder="e.g. P001" />
      </label>
      <label>
        Status
        <select value={filters.status} onChange={(event) => setFilters({ status: event.target.value as typeof filters.status })}>
          <option value="">any</option>
          <option value="not_extracted">not extracted</option>
          <option value="extracted">extracted</option>
          <option value="failed">failed</option>
        </select>
      </label>
      <label>
        Model
        <select value={filters.modelId ?? ""} onChange={(event) => setFilters({ modelId: event.target.value ? Number(event.target.value) : null })}>
          <option value="">latest</option>
          {models.map((model) => (
            <option key={model.id} value={model.id}>
              {model.name}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}

/** The file's own name (and `:row`): the folder is the same for a whole import and hides it. */
function fileName(source: string): string {
  return source.split(/[\\/]/).pop() ?? source;
}

function LetterRow({ letter }: { letter: LetterSummary | undefined }) {
  if (!letter) return <span className="muted">Loading…</span>;
  return (
    <>
      <span className="c-patient">{letter.patient ?? "—"}</span>
      <span className="c-date">{letter.letterDate ?? "—"}</span>
      <span className="c-source" title={letter.source}>
        {fileName(letter.source)}
      </span>
      <span className={`c-status status-${letter.status}`}>{STATUS_TEXT[letter.status]}</span>
      <span className="c-ungrounded">{letter.ungrounded === null ? "" : letter.ungrounded === 0 ? "all grounded" : `${letter.ungrounded} unsupported`}</span>
      <span className="c-review">{letter.review.replace("_", " ")}</span>
    </>
  );
}

export function LettersPage(): React.JSX.Element {
  const total = useLetters((state) => state.total);
  const rows = useLetters((state) => state.rows);
  const ensureRange = useLetters((state) => state.ensureRange);
  const lastImport = useLetters((state) => state.lastImport);
  const filters = useLetters((state) => state.filters);
  const trying = useLetters((state) => state.tryingDemo);
  const demo = useLetters((state) => state.demo);
  const models = useModels((state) => state.models);
  const modelsLoaded = useModels((state) => state.modelsLoaded);
  const openReview = useNav((state) => state.openReview);
  const [active, setActive] = useState(0);
  const fileInput = useRef<HTMLInputElement>(null);
  const choose = useChooseLetters(fileInput);
  const unfiltered = !filters.search.trim() && !filters.patient.trim() && !filters.status && filters.modelId === null;
  const firstRun = (total === 0 || trying) && unfiltered && modelsLoaded && models.length === 0;

  useEffect(() => {
    void useLetters.getState().reload();
    void useModels.getState().load();
  }, []);

  const onRange = useCallback((from: number, to: number) => ensureRange(from, to), [ensureRange]);
  const open = (index: number) => {
    const letter = rows.get(index);
    if (letter) openReview(letter.id, index);
  };

  return (
    <div className="page letters-page">
      {firstRun && <FirstRun choose={choose} />}
      <div aria-live="polite">
        {trying && <p className="muted">Importing the demo letters and making the test model…</p>}
        {demo && <DemoReady demo={demo} />}
      </div>
      <ImportPanel input={fileInput} choose={choose} />
      {lastImport && <ImportResults report={lastImport} />}
      <Filters />
      <p className="muted" aria-live="polite">
        {total === null ? "Loading letters…" : `${total.toLocaleString("en-GB")} letters`} — arrow keys move, Enter opens the letter in Review.
      </p>
      <div className="list-head" aria-hidden="true">
        <span className="c-patient">Patient</span>
        <span className="c-date">Date</span>
        <span className="c-source">Source</span>
        <span className="c-status">Status</span>
        <span className="c-ungrounded">Grounding</span>
        <span className="c-review">Review</span>
      </div>
      <VirtualList
        count={total ?? 0}
        rowHeight={ROW_HEIGHT}
        label="Letters"
        activeIndex={active}
        onActiveChange={setActive}
        onActivate={open}
        onRange={onRange}
        idFor={(index) => `letter-row-${index}`}
        renderRow={(index) => <LetterRow letter={rows.get(index)} />}
      />
      <div className="actions">
        <button type="button" disabled={!rows.get(active)} onClick={() => open(active)}>
          Review selected letter
        </button>
      </div>
    </div>
  );
}

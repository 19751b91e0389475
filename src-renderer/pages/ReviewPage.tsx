import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import type { ReviewEdit } from "../../src-shared/api.ts";
import { call } from "../api.ts";
import { EvidenceText } from "../components/EvidenceText.tsx";
import { TimelineForm } from "../components/TimelineForm.tsx";
import { listInput, useLetters } from "../state/letters.ts";
import { useNav } from "../state/nav.ts";
import { reviewItems } from "../state/reviewItems.ts";
import { useReview } from "../state/review.ts";
import { reportError, useToasts } from "../state/toast.ts";

const HELP = "j/k or ↓/↑ move · a accept · e or Enter edit · r reject · n next letter · Ctrl+Z undo · Ctrl+Shift+Z or Ctrl+Y redo";

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName));
}

/** The letter after the one open, in the Letters page's current order and filters. */
async function nextLetter(letterId: number, position: number | null): Promise<{ id: number; position: number } | null> {
  const filters = useLetters.getState().filters;
  let at = position;
  if (at === null) {
    const page = await call("letters.list", listInput(filters, 0, 1000));
    const index = page.rows.findIndex((row) => row.id === letterId);
    at = index === -1 ? -1 : index;
  }
  const page = await call("letters.list", listInput(filters, at + 1, 1));
  const row = page.rows[0];
  return row ? { id: row.id, position: at + 1 } : null;
}

function Legend() {
  return (
    <p className="legend" aria-label="Highlight colours">
      <mark className="ev ev-exact">exact</mark> <mark className="ev ev-normalised">normalised</mark> <mark className="ev ev-fuzzy">fuzzy</mark>{" "}
      <span className="badge grade-ungrounded">ungrounded</span>
    </p>
  );
}

function EmptyReview() {
  const openReview = useNav((state) => state.openReview);
  async function openFirst() {
    try {
      const page = await call("letters.list", { offset: 0, limit: 1, status: "extracted" });
      const row = page.rows[0];
      if (row) openReview(row.id, null);
      else useToasts.getState().show("info", "No letter has been extracted yet.");
    } catch (error) {
      reportError(error);
    }
  }
  return (
    <div className="page">
      <p>Open a letter from the Letters page (Enter on a row), or</p>
      <button type="button" className="primary" onClick={() => void openFirst()}>
        Review the first extracted letter
      </button>
    </div>
  );
}

export function ReviewPage(): React.JSX.Element {
  const letterId = useNav((state) => state.reviewLetterId);
  return letterId === null ? <EmptyReview /> : <ReviewLetter letterId={letterId} />;
}

function ReviewLetter({ letterId }: { letterId: number }) {
  const position = useNav((state) => state.reviewPosition);
  const openReview = useNav((state) => state.openReview);
  const { view, loading, saving, undoStack, redoStack, selected, load, select, apply, undo, redo, setState } = useReview();
  const [editing, setEditing] = useState<string | null>(null);
  const form = useRef<HTMLDivElement>(null);

  useEffect(() => {
    setEditing(null);
    void load(letterId);
  }, [letterId, load]);

  const items = useMemo(() => reviewItems(view?.document ?? null, view?.evidence ?? []), [view]);
  const current = view?.letter.id === letterId ? view : null;
  // The letter with its highlights first; the form (hundreds of inputs) follows in a background
  // render, so a new letter is readable at once.
  const formView = useDeferredValue(current);
  const formItems = useDeferredValue(items);

  useEffect(() => {
    if (current && items.length > 0 && (selected === null || !items.some((item) => item.path === selected))) select(items[0]?.path ?? null);
  }, [current, items, selected, select]);

  const onEdit = useCallback((edit: ReviewEdit) => void apply(edit), [apply]);
  const stopEditing = useCallback(() => {
    setEditing(null);
    form.current?.focus();
  }, []);

  const goNext = useCallback(async () => {
    try {
      const next = await nextLetter(letterId, position);
      if (next) openReview(next.id, next.position);
      else useToasts.getState().show("info", "This is the last letter in the list.");
    } catch (error) {
      reportError(error);
    }
  }, [letterId, position, openReview]);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      // Handled already, e.g. the Enter on the Letters list that opened this screen.
      if (event.defaultPrevented || event.altKey || event.metaKey) return;
      const key = event.key.toLowerCase();
      if (event.ctrlKey) {
        // In a text field Ctrl+Z is the field's own undo of typing.
        if (isTyping(event.target)) return;
        if (key === "z" && !event.shiftKey) void undo();
        else if ((key === "z" && event.shiftKey) || key === "y") void redo();
        else return;
        event.preventDefault();
        return;
      }
      if (isTyping(event.target)) return;
      if (event.key === "Enter" && event.target instanceof HTMLElement && ["BUTTON", "A"].includes(event.target.tagName)) return;
      const index = items.findIndex((item) => item.path === selected);
      const item = items[index];
      if (key === "j" || event.key === "ArrowDown") select(items[Math.min(items.length - 1, index + 1)]?.path ?? null);
      else if (key === "k" || event.key === "ArrowUp") select(items[Math.max(0, index - 1)]?.path ?? null);
      else if (key === "a" && item) void apply({ op: current?.accepted.includes(item.path) ? "unaccept" : "accept", path: item.path });
      else if ((key === "e" || event.key === "Enter") && item) setEditing(item.path);
      else if (key === "r" && item) void apply({ op: "remove", path: item.path });
      else if (key === "n") void goNext();
      else return;
      event.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [items, selected, select, apply, undo, redo, goNext, current]);

  if (!current) return <p className="page muted">{loading ? "Loading the letter…" : "This letter could not be loaded."}</p>;
  const letter = current.letter;
  const ungrounded = items.filter((item) => item.grade === "ungrounded").length;

  return (
    <div className="page review-page">
      <div className="review-bar">
        <p className="review-meta">
          <strong>{letter.patient ?? "No patient"}</strong> · {letter.letterDate ?? "no date"} · <span title={letter.source}>{letter.source.split(/[\\/]/).pop()}</span> · model {current.model ?? "—"}
          {current.corrected && <span className="badge corrected-badge">corrected</span>}
          <span className={`badge review-${current.review}`} data-testid="review-state">
            {current.review.replace("_", " ")}
          </span>
        </p>
        <div className="actions">
          <span className="muted save-state" data-testid="save-state" aria-live="polite">
            {saving ? "Saving…" : current.history.length > 0 ? "All changes saved" : ""}
          </span>
          <button type="button" disabled={undoStack.length === 0} onClick={() => void undo()} title="Ctrl+Z">
            Undo
          </button>
          <button type="button" disabled={redoStack.length === 0} onClick={() => void redo()} title="Ctrl+Shift+Z">
            Redo
          </button>
          <button type="button" disabled={current.extractionId === null} onClick={() => void setState(current.review === "reviewed" ? "in_review" : "reviewed")}>
            {current.review === "reviewed" ? "Reopen" : "Mark reviewed"}
          </button>
          <button type="button" onClick={() => void goNext()} title="n">
            Next letter
          </button>
        </div>
      </div>
      <p className="help" id="review-help">
        {HELP}
      </p>
      <div className="review-columns">
        {/* Focusable so keyboard users can scroll a long letter (tab to it, then arrow keys). */}
        <section className="review-letter" aria-label="Letter" tabIndex={0}>
          <Legend />
          <EvidenceText text={letter.text} evidence={current.evidence} selected={selected} onSelect={select} />
        </section>
        <section className="review-form" aria-label="Timeline" aria-describedby="review-help" tabIndex={-1} ref={form}>
          {current.status === "failed" && <p className="error">The extraction failed: {current.error}</p>}
          {current.status === "not_extracted" && <p className="muted">This letter has not been extracted yet (see Extraction).</p>}
          {current.document && formView?.letter.id !== current.letter.id && <p className="muted">Loading the timeline…</p>}
          {formView?.document && formView.letter.id === current.letter.id && (
            <>
              <p className="muted">
                {items.length} values; {ungrounded > 0 ? `${ungrounded} not found in the letter, shown first.` : "every text value is found in the letter."}
              </p>
              <TimelineForm
                document={formView.document}
                modelDocument={formView.modelDocument}
                items={formItems}
                accepted={formView.accepted}
                selected={selected}
                editing={editing}
                disabled={current.extractionId === null}
                onSelect={select}
                onEdit={onEdit}
                onStopEditing={stopEditing}
              />
            </>
          )}
          {current.history.length > 0 && (
            <details className="history">
              <summary>Corrections ({current.history.length})</summary>
              <ol>
                {current.history.map((entry) => (
                  <li key={entry.id}>
                    {new Date(entry.at).toLocaleString("en-GB")} · {entry.user} · {entry.op} {entry.path}: {entry.summary}
                  </li>
                ))}
              </ol>
            </details>
          )}
        </section>
      </div>
    </div>
  );
}

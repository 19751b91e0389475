import { useEffect, useRef, type KeyboardEvent } from "react";
import type { SynthLetter } from "../../src-shared/api.ts";
import { formatUsd } from "../../src-shared/formatUsd.ts";
import { LETTERS_PAGE_SIZE, useSynth, type LetterFilter } from "../state/synth.ts";

export { formatUsd };

function firstLine(letter: SynthLetter): string {
  const line = letter.content?.split("\n").find((text) => text.trim() !== "");
  return line?.trim() ?? "(no letter text)";
}

function Counts() {
  const status = useSynth((state) => state.status);
  if (!status) return null;
  const reasons = Object.entries(status.reasons)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5);
  return (
    <>
      <dl className="stats">
        <div>
          <dt>Accepted</dt>
          <dd data-testid="synth-accepted">{status.letters.accepted}</dd>
        </div>
        <div>
          <dt>Flagged</dt>
          <dd data-testid="synth-flagged">{status.letters.flagged}</dd>
        </div>
        <div>
          <dt>Rejected</dt>
          <dd data-testid="synth-rejected">{status.letters.rejected}</dd>
        </div>
        <div>
          <dt>Cost, all runs</dt>
          <dd data-testid="synth-total-cost">{formatUsd(status.costUsd)}</dd>
        </div>
      </dl>
      {reasons.length > 0 && (
        <p className="muted synth-reasons">
          Top reasons:{" "}
          {reasons.map(([reason, n], i) => (
            <span key={reason}>
              {i > 0 ? " · " : ""}
              {reason} ({n})
            </span>
          ))}
        </p>
      )}
    </>
  );
}

function LetterDetail({ letter }: { letter: SynthLetter }) {
  const decide = useSynth((state) => state.decide);
  return (
    <section className="synth-detail" aria-labelledby="synth-detail-heading">
      <div className="review-bar">
        <h3 id="synth-detail-heading">
          Letter {letter.id}{" "}
          <span className={`badge synth-${letter.status}`} data-testid="synth-letter-status">
            {letter.status}
          </span>
        </h3>
        <div className="actions">
          <button type="button" aria-keyshortcuts="a" disabled={letter.status === "accepted" || letter.content === null || letter.gold === null} onClick={() => void decide(letter.id, "accepted")}>
            Accept
          </button>
          <button type="button" className="danger" aria-keyshortcuts="r" disabled={letter.status === "rejected"} onClick={() => void decide(letter.id, "rejected")}>
            Reject
          </button>
        </div>
      </div>
      <p className="muted">
        {letter.model} · {new Date(letter.createdAt).toLocaleString("en-GB")}
        {letter.qa.length > 0 ? ` · ${letter.qa.length} question–answer pairs` : ""}
      </p>
      {letter.reasons.length > 0 && (
        <ul className="synth-reason-list" aria-label="Reasons">
          {letter.reasons.map((reason, i) => (
            <li key={i}>{reason}</li>
          ))}
        </ul>
      )}
      <div className="synth-pair">
        <section className="synth-pane" aria-labelledby="synth-text-heading">
          <h4 id="synth-text-heading">Generated letter</h4>
          <div className="letter-text" data-testid="synth-letter-text">
            {letter.content ?? "(the answer held no usable letter)"}
          </div>
        </section>
        <section className="synth-pane" aria-labelledby="synth-gold-heading">
          <h4 id="synth-gold-heading">Gold (JSON)</h4>
          <pre className="synth-gold" data-testid="synth-gold">
            {letter.gold === null ? "(no gold)" : JSON.stringify(letter.gold, null, 2)}
          </pre>
        </section>
      </div>
    </section>
  );
}

/** The generated letters, a page at a time, each beside its gold with the reviewer's verdict. */
export function SynthResults() {
  const letters = useSynth((state) => state.letters);
  const total = useSynth((state) => state.total);
  const offset = useSynth((state) => state.offset);
  const filter = useSynth((state) => state.filter);
  const selectedId = useSynth((state) => state.selectedId);
  const { setFilter, setOffset, select, decide } = useSynth.getState();
  const list = useRef<HTMLUListElement>(null);

  useEffect(() => {
    void useSynth.getState().loadLetters();
  }, []);

  const index = letters.findIndex((letter) => letter.id === selectedId);
  const selected = letters[index];

  useEffect(() => {
    if (selectedId !== null) document.getElementById(`synth-letter-${selectedId}`)?.scrollIntoView({ block: "nearest" });
  }, [selectedId]);

  function onKey(event: KeyboardEvent<HTMLUListElement>) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const key = event.key.toLowerCase();
    if (key === "j" || event.key === "ArrowDown") select(letters[Math.min(letters.length - 1, index + 1)]?.id ?? null);
    else if (key === "k" || event.key === "ArrowUp") select(letters[Math.max(0, index - 1)]?.id ?? null);
    else if (key === "a" && selected && selected.content !== null && selected.gold !== null) void decide(selected.id, "accepted");
    else if (key === "r" && selected) void decide(selected.id, "rejected");
    else return;
    event.preventDefault();
  }

  return (
    <section className="card" aria-labelledby="synth-results-heading">
      <h2 id="synth-results-heading">Generated letters</h2>
      <Counts />
      <div className="row">
        <label>
          Show
          <select value={filter} onChange={(event) => setFilter(event.target.value as LetterFilter)}>
            <option value="">all letters</option>
            <option value="accepted">accepted</option>
            <option value="flagged">flagged</option>
            <option value="rejected">rejected</option>
          </select>
        </label>
        <span className="muted" aria-live="polite">
          {total === 0 ? "No letters." : `${offset + 1}–${offset + letters.length} of ${total}`}
        </span>
        <button type="button" disabled={offset === 0} onClick={() => setOffset(offset - LETTERS_PAGE_SIZE)}>
          Previous page
        </button>
        <button type="button" disabled={offset + LETTERS_PAGE_SIZE >= total} onClick={() => setOffset(offset + LETTERS_PAGE_SIZE)}>
          Next page
        </button>
      </div>
      <p className="help" id="synth-help">
        In the list: j/k or ↓/↑ move · a accept · r reject
      </p>
      <div className="synth-results">
        <ul
          ref={list}
          className="synth-list"
          role="listbox"
          aria-label="Generated letters"
          aria-describedby="synth-help"
          tabIndex={0}
          aria-activedescendant={selected ? `synth-letter-${selected.id}` : undefined}
          onKeyDown={onKey}
        >
          {letters.map((letter) => (
            <li
              key={letter.id}
              id={`synth-letter-${letter.id}`}
              role="option"
              aria-selected={letter.id === selectedId}
              className={letter.id === selectedId ? "active" : undefined}
              onClick={() => {
                select(letter.id);
                list.current?.focus();
              }}
            >
              <span className="synth-list-id">#{letter.id}</span>
              <span className={`badge synth-${letter.status}`}>{letter.status}</span>
              <span className="synth-list-text">{firstLine(letter)}</span>
            </li>
          ))}
        </ul>
        {selected ? <LetterDetail letter={selected} /> : <p className="muted">Select a letter to see it beside its gold.</p>}
      </div>
    </section>
  );
}

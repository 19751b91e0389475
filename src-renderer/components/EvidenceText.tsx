import { memo, useEffect, useMemo, useRef } from "react";
import type { EvidenceItem } from "../../src-shared/api.ts";

type Piece = { text: string; span: EvidenceItem | null; key: number };

/**
 * Splits the letter into plain text and evidence spans in one pass over the spans sorted by
 * start. Overlapping spans are clipped to where the previous one ended: a character belongs to
 * one mark, and the first (earliest) span keeps it.
 */
export function splitLetter(text: string, evidence: readonly EvidenceItem[]): Piece[] {
  const spans = evidence.filter((item) => item.start !== null && item.end !== null && item.grade !== "ungrounded").sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
  const pieces: Piece[] = [];
  let at = 0;
  for (const span of spans) {
    const start = Math.max(at, span.start ?? 0);
    const end = Math.min(text.length, span.end ?? 0);
    if (end <= start) continue;
    if (start > at) pieces.push({ text: text.slice(at, start), span: null, key: at });
    pieces.push({ text: text.slice(start, end), span, key: start });
    at = end;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), span: null, key: at });
  return pieces;
}

type Props = {
  text: string;
  evidence: readonly EvidenceItem[];
  /** The selected value's path: its mark is outlined and scrolled into view. */
  selected: string | null;
  onSelect(path: string): void;
};

/** The letter as written, with each grounded value's span marked and coloured by grade. */
export const EvidenceText = memo(function EvidenceText({ text, evidence, selected, onSelect }: Props) {
  const pieces = useMemo(() => splitLetter(text, evidence), [text, evidence]);
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!selected) return;
    const mark = container.current?.querySelector<HTMLElement>(`mark[data-path="${CSS.escape(selected)}"], mark[data-item="${CSS.escape(selected)}"]`);
    mark?.scrollIntoView({ block: "nearest" });
  }, [selected]);

  return (
    <div ref={container} className="letter-text" aria-label="Letter text with evidence highlighted">
      {pieces.map((piece) => {
        if (!piece.span) return <span key={piece.key}>{piece.text}</span>;
        const path = piece.span.path;
        // The item a value belongs to: `…cancer_timeline[2].value` belongs to `…cancer_timeline[2]`.
        const item = path.replace(/\.(value|date)$/, "");
        const isSelected = selected === path || selected === item;
        return (
          <mark
            key={piece.key}
            className={`ev ev-${piece.span.grade}${isSelected ? " ev-selected" : ""}`}
            data-path={path}
            data-item={item}
            title={`${path} (${piece.span.grade}${piece.span.score !== null && piece.span.grade === "fuzzy" ? `, ${Math.round(piece.span.score * 100)}%` : ""})`}
            onClick={() => onSelect(item)}
          >
            {piece.text}
          </mark>
        );
      })}
    </div>
  );
});

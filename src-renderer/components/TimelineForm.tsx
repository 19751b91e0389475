import { memo, useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { ReviewEdit } from "../../src-shared/api.ts";
import { getAtPath } from "../../src-shared/documentPath.ts";
import { CANCER_EVENT_TYPES, PATIENT_FACT_TYPES, STATUS_UPDATE_TYPES, type TimelineDocument } from "../../src-shared/timeline.ts";
import type { ReviewItem } from "../state/reviewItems.ts";
import { GradeBadge } from "./Toasts.tsx";

type Props = {
  document: TimelineDocument;
  /** The model's own output, shown beside a value the reviewer changed. */
  modelDocument: TimelineDocument | null;
  items: readonly ReviewItem[];
  accepted: readonly string[];
  selected: string | null;
  editing: string | null;
  disabled: boolean;
  onSelect(path: string): void;
  onEdit(edit: ReviewEdit): void;
  onStopEditing(): void;
};

const NUMERIC = /\.(year|month)$/;

/** Turns what the reviewer typed into the edit to send: cleared means remove, numbers stay numbers. */
function editFor(path: string, before: unknown, typed: string): ReviewEdit | null {
  const text = typed.trim();
  if (text === "") return before === undefined ? null : { op: "remove", path };
  const value: unknown = NUMERIC.test(path) ? Number(text) : text;
  if (NUMERIC.test(path) && !Number.isInteger(value)) return null;
  return value === before ? null : { op: "set", path, value };
}

type InputProps = {
  path: string;
  label: string;
  document: TimelineDocument;
  disabled: boolean;
  primary?: boolean;
  onEdit(edit: ReviewEdit): void;
  onStopEditing(): void;
};

/** One value's input: saved on Enter or when focus leaves it; Escape puts the saved value back. */
function ValueInput({ path, label, document, disabled, primary, onEdit, onStopEditing }: InputProps) {
  const saved = getAtPath(document, path);
  const shown = saved === undefined ? "" : String(saved);
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  const numeric = NUMERIC.test(path);
  // Enter and Escape have already settled the value when focus leaves: the blur must not send it again.
  const settled = useRef(false);

  function commit() {
    const edit = editFor(path, saved, text);
    if (edit) onEdit(edit);
    else setText(shown);
  }
  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter") {
      event.preventDefault();
      commit();
      settled.current = true;
      onStopEditing();
    } else if (event.key === "Escape") {
      event.preventDefault();
      setText(shown);
      settled.current = true;
      onStopEditing();
    }
  }
  function onBlur() {
    if (settled.current) settled.current = false;
    else commit();
  }
  return (
    <input
      className={numeric ? "num" : "text"}
      aria-label={label}
      data-primary={primary ? "true" : undefined}
      data-path={path}
      inputMode={numeric ? "numeric" : undefined}
      value={text}
      disabled={disabled}
      onChange={(event) => setText(event.target.value)}
      onBlur={onBlur}
      onKeyDown={onKeyDown}
    />
  );
}

function TypeSelect({ path, label, options, document, disabled, onEdit }: { path: string; label: string; options: readonly string[]; document: TimelineDocument; disabled: boolean; onEdit(edit: ReviewEdit): void }) {
  const value = String(getAtPath(document, path) ?? "");
  return (
    <select aria-label={label} value={value} disabled={disabled} onChange={(event) => onEdit({ op: "set", path, value: event.target.value })}>
      {options.map((option) => (
        <option key={option} value={option}>
          {option.replaceAll("_", " ")}
        </option>
      ))}
    </select>
  );
}

type RowProps = Omit<Props, "items" | "accepted" | "selected" | "editing"> & { item: ReviewItem; accepted: boolean; selected: boolean; editing: boolean };

/**
 * What the model said at this value's path, when the reviewer changed it. Only where paths are
 * stable: after an item was added to or removed from a list, the same index is another item.
 */
function modelValue(item: ReviewItem, document: TimelineDocument, modelDocument: TimelineDocument | null): string | null {
  if (!modelDocument) return null;
  const list = item.path.replace(/\[\d+\](\.[a-z_]+)?$/, "");
  if (list !== item.path) {
    const mine = getAtPath(document, list);
    const theirs = getAtPath(modelDocument, list);
    if (!Array.isArray(mine) || !Array.isArray(theirs) || mine.length !== theirs.length) return null;
  }
  const before = getAtPath(modelDocument, item.valuePath);
  const now = getAtPath(document, item.valuePath);
  return before !== undefined && before !== now ? String(before) : null;
}

/** Memoised: moving the selection re-renders the two rows it leaves and enters, not all 200. */
const ItemRow = memo(function ItemRow({ item, document, modelDocument, accepted, selected, editing, disabled, onSelect, onEdit, onStopEditing }: RowProps) {
  const row = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (selected) row.current?.scrollIntoView({ block: "nearest" });
  }, [selected]);
  useEffect(() => {
    if (editing) row.current?.querySelector<HTMLElement>("[data-primary]")?.focus();
  }, [editing]);

  const common = { document, disabled, onEdit, onStopEditing };
  const original = modelValue(item, document, modelDocument);
  const types = item.kind === "event" ? CANCER_EVENT_TYPES : item.kind === "fact" ? PATIENT_FACT_TYPES : STATUS_UPDATE_TYPES;
  return (
    <div
      ref={row}
      className={`item${selected ? " selected" : ""}${accepted ? " accepted" : ""}`}
      data-item={item.path}
      data-grade={item.grade ?? "none"}
      onClick={() => onSelect(item.path)}
      onFocus={() => onSelect(item.path)}
    >
      <div className="item-head">
        <span className="item-label">{item.label}</span>
        <GradeBadge grade={item.grade} />
        {accepted && <span className="badge accepted-badge">accepted</span>}
      </div>
      {original !== null && <p className="model-said">Model: {original}</p>}
      <div className="item-fields">
        {item.kind === "field" ? (
          <ValueInput {...common} path={item.path} label={item.label} primary />
        ) : (
          <>
            <ValueInput {...common} path={`${item.path}.value`} label={`${item.label}: value`} primary />
            {item.kind === "event" && (
              <>
                <ValueInput {...common} path={`${item.path}.year`} label={`${item.label}: year`} />
                <ValueInput {...common} path={`${item.path}.month`} label={`${item.label}: month`} />
              </>
            )}
            {/* The type's list only on the selected row: 100 lists of 8 options would double the form's cost. */}
            {selected && <TypeSelect path={`${item.path}.type`} label={`${item.label}: type`} options={types} document={document} disabled={disabled} onEdit={onEdit} />}
          </>
        )}
        <button type="button" className="small" disabled={disabled} aria-pressed={accepted} onClick={() => onEdit({ op: accepted ? "unaccept" : "accept", path: item.path })}>
          {accepted ? "Unaccept" : "Accept"}
        </button>
        <button type="button" className="small danger" disabled={disabled} onClick={() => onEdit({ op: "remove", path: item.path })}>
          Reject
        </button>
      </div>
    </div>
  );
});

/** The timeline as a form, grouped by section; sections come in the items' order. */
export function TimelineForm({ document, modelDocument, items, accepted, selected, editing, disabled, onSelect, onEdit, onStopEditing }: Props) {
  const sections: { name: string; items: ReviewItem[] }[] = [];
  for (const item of items) {
    const last = sections.at(-1);
    if (last?.name === item.section) last.items.push(item);
    else sections.push({ name: item.section, items: [item] });
  }
  const acceptedSet = new Set(accepted);
  const nextEvent = document.primary_cancer.cancer_timeline.length;
  return (
    <div className="timeline-form">
      {sections.length === 0 && <p className="muted">The model found nothing in this letter.</p>}
      {sections.map((section) => (
        <section key={section.name} aria-label={section.name} className={section.name === "Not found in the letter" ? "form-section warn" : "form-section"}>
          <h3>{section.name}</h3>
          {section.items.map((item) => (
            <ItemRow
              key={item.path + section.name}
              item={item}
              document={document}
              modelDocument={modelDocument}
              accepted={acceptedSet.has(item.path)}
              selected={selected === item.path}
              editing={editing === item.path}
              disabled={disabled}
              onSelect={onSelect}
              onEdit={onEdit}
              onStopEditing={onStopEditing}
            />
          ))}
        </section>
      ))}
      <button
        type="button"
        disabled={disabled}
        onClick={() => onEdit({ op: "insert", path: `primary_cancer.cancer_timeline[${nextEvent}]`, value: { type: "other_progress_or_event", value: "New event" } })}
      >
        Add event
      </button>
    </div>
  );
}

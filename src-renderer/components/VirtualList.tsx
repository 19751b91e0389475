import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";

type Props = {
  count: number;
  rowHeight: number;
  /** Rows drawn beyond the visible ones on each side, so fast scrolling shows no gaps. */
  overscan?: number;
  label: string;
  activeIndex: number;
  onActiveChange(index: number): void;
  onActivate(index: number): void;
  /** Called with the visible range, so the owner can fetch the rows it does not have yet. */
  onRange?(from: number, to: number): void;
  renderRow(index: number, active: boolean): ReactNode;
  idFor(index: number): string;
};

/**
 * A list that draws only the rows in view (plus a few), so 100,000 letters cost the same as 30.
 * Rows have one fixed height; the inner element has the full height so the scrollbar is true.
 * It is one focusable listbox: arrow keys, Page Up/Down, Home and End move the active row.
 */
export function VirtualList({ count, rowHeight, overscan = 8, label, activeIndex, onActiveChange, onActivate, onRange, renderRow, idFor }: Props) {
  const outer = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const element = outer.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    setHeight(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count - 1, Math.ceil((scrollTop + height) / rowHeight) + overscan);

  useEffect(() => {
    if (count > 0) onRange?.(first, last);
  }, [first, last, count, onRange]);

  function moveTo(index: number) {
    const next = Math.max(0, Math.min(count - 1, index));
    onActiveChange(next);
    const element = outer.current;
    if (!element) return;
    const top = next * rowHeight;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + rowHeight > element.scrollTop + element.clientHeight) element.scrollTop = top + rowHeight - element.clientHeight;
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const moves: Record<string, number> = { ArrowDown: activeIndex + 1, ArrowUp: activeIndex - 1, PageDown: activeIndex + page, PageUp: activeIndex - page, Home: 0, End: count - 1 };
    const target = moves[event.key];
    if (target !== undefined && count > 0) {
      event.preventDefault();
      moveTo(target);
    } else if (event.key === "Enter" && activeIndex >= 0 && activeIndex < count) {
      event.preventDefault();
      onActivate(activeIndex);
    }
  }

  const rows: ReactNode[] = [];
  for (let index = first; index <= last; index++) {
    rows.push(
      <div
        key={index}
        id={idFor(index)}
        role="option"
        aria-selected={index === activeIndex}
        aria-posinset={index + 1}
        aria-setsize={count}
        className={index === activeIndex ? "vrow active" : "vrow"}
        style={{ top: index * rowHeight, height: rowHeight }}
        onClick={() => onActiveChange(index)}
        onDoubleClick={() => onActivate(index)}
      >
        {renderRow(index, index === activeIndex)}
      </div>,
    );
  }

  return (
    <div
      ref={outer}
      className="vlist"
      role="listbox"
      tabIndex={0}
      aria-label={label}
      aria-activedescendant={activeIndex >= first && activeIndex <= last ? idFor(activeIndex) : undefined}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
    >
      <div className="vlist-inner" style={{ height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}

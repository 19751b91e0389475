import { useToasts } from "../state/toast.ts";

/** The status area: messages are announced (aria-live) and errors stay until dismissed. */
export function Toasts() {
  const toasts = useToasts((state) => state.toasts);
  const dismiss = useToasts((state) => state.dismiss);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast-${toast.kind}`}>
          <span>{toast.text}</span>
          <button type="button" className="link" onClick={() => dismiss(toast.id)} aria-label="Dismiss message">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function GradeBadge({ grade }: { grade: string | null }) {
  if (!grade) return null;
  return <span className={`badge grade-${grade}`}>{grade}</span>;
}

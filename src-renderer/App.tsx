import { useEffect, useRef } from "react";
import { bridge, call, captureToken } from "./api.ts";
import { useLetters } from "./state/letters.ts";
import { reportError, useToasts } from "./state/toast.ts";
import { Toasts } from "./components/Toasts.tsx";
import { useJobs } from "./state/jobs.ts";
import { SCREENS, screenForKey, screenOf, shortcutKey } from "./screens.ts";
import { useNav } from "./state/nav.ts";

// Before the first render: the token leaves the address bar at once.
captureToken();

function JobIndicator() {
  const job = useJobs((state) => state.current);
  if (!job || job.state !== "running") return null;
  return (
    <p className="nav-job" aria-live="off">
      Extracting {job.done + job.failed}/{job.total}
    </p>
  );
}

export function App() {
  const page = useNav((state) => state.page);
  const go = useNav((state) => state.go);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    void useJobs.getState().load();
  }, []);

  // Alt+1…9 and Alt+0 switch screens from anywhere (screens.ts, shortcutKey); focus moves to the new screen's heading so a keyboard
  // or screen-reader user starts at its top.
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const target = screenForKey(event.key);
      if (target) {
        event.preventDefault();
        go(target.id);
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [go]);

  // The desktop app's menu: its commands open the screen they belong to.
  useEffect(() => {
    const desktop = bridge();
    if (!desktop) return;
    return desktop.onMenu((command) => {
      if (command === "export") return go("export");
      if (command === "about") {
        void call("app.info", {}).then((info) => useToasts.getState().show("info", `OncoTimeline ${info.version} · data folder ${info.dataDir}`), reportError);
        return;
      }
      go("letters");
      void desktop
        .pick({ kind: command === "import-folder" ? "letters-folder" : "letters" })
        .then((paths) => (paths.length ? useLetters.getState().importPaths(paths) : undefined))
        .catch(reportError);
    });
  }, [go]);

  const first = useRef(true);
  useEffect(() => {
    document.title = `${screenOf(page).title} · OncoTimeline`;
    if (first.current) first.current = false;
    else heading.current?.focus();
  }, [page]);

  const { title, component: Screen } = screenOf(page);
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav aria-label="Screens" className="nav">
        <p className="brand">OncoTimeline</p>
        <ul>
          {SCREENS.map((screen, i) => {
            const key = shortcutKey(i);
            return (
              <li key={screen.id}>
                <button type="button" className="nav-item" aria-current={page === screen.id ? "page" : undefined} onClick={() => go(screen.id)} title={key === null ? undefined : `Alt+${key}`} aria-keyshortcuts={key === null ? undefined : `Alt+${key}`}>
                  {screen.title}
                </button>
              </li>
            );
          })}
        </ul>
        <JobIndicator />
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        <h1 ref={heading} className="page-title" tabIndex={-1}>
          {title}
        </h1>
        <Screen />
      </main>
      <Toasts />
    </div>
  );
}

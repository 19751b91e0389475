import { describe, expect, it } from "vitest";
import { menuTemplate, type MenuActions } from "../../src-main/electron/menu.ts";
import { createUtilitySpawner } from "../../src-main/electron/utilityWorker.ts";

type Item = { id?: string; label?: string; role?: string; type?: string; click?: () => void; submenu?: Item[] };

function build(platform: NodeJS.Platform, development: boolean) {
  const done: string[] = [];
  const actions: MenuActions = { command: (c) => done.push(c), openDataFolder: () => done.push("open-data-folder"), quit: () => done.push("quit") };
  const template = menuTemplate(actions, { platform, development }) as Item[];
  const menu = (label: string) => template.find((item) => item.label?.replace("&", "") === label)?.submenu ?? [];
  return { template, menu, done };
}

describe("application menu", () => {
  it("has File, Edit, View, Window and Help with the app's commands", () => {
    const { template, menu, done } = build("linux", false);
    expect(template.map((item) => item.label)).toEqual(["&File", "&Edit", "&View", "&Window", "&Help"]);
    expect(menu("File").filter((item) => item.label).map((item) => item.label)).toEqual(["Import letters…", "Import folder…", "Export…", "Quit"]);
    expect(menu("Edit").filter((item) => item.role).map((item) => item.role)).toEqual(["undo", "redo", "cut", "copy", "paste", "selectAll"]);
    expect(menu("Help").map((item) => item.label)).toEqual(["About OncoTimeline", "Open data folder"]);

    for (const item of [...menu("File"), ...menu("Help")]) item.click?.();
    expect(done).toEqual(["import-letters", "import-folder", "export", "quit", "about", "open-data-folder"]);
  });

  it("offers reload and developer tools only in development", () => {
    const roles = (development: boolean) => build("linux", development).menu("View").map((item) => item.role).filter(Boolean);
    expect(roles(false)).toEqual(["resetZoom", "zoomIn", "zoomOut", "togglefullscreen"]);
    expect(roles(true)).toEqual(["reload", "toggleDevTools", "resetZoom", "zoomIn", "zoomOut", "togglefullscreen"]);
  });

  it("follows macOS conventions (app menu holds Quit)", () => {
    const { template, menu } = build("darwin", false);
    expect(template[0]?.label).toBe("OncoTimeline");
    expect(template[0]?.submenu?.some((item) => item.role === "quit")).toBe(true);
    expect(menu("File").some((item) => item.label === "Quit")).toBe(false);
  });
});

describe("inference utility process", () => {
  it("forks the bundled worker and adapts its events to the engine's spawner shape", () => {
    const forks: { modulePath: string; args: unknown; options: unknown }[] = [];
    const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
    const posted: unknown[] = [];
    let killed = false;
    const child = {
      pid: 4242,
      stderr: null,
      postMessage: (message: unknown) => posted.push(message),
      on: (name: string, listener: (...args: unknown[]) => void) => listeners.set(name, [...(listeners.get(name) ?? []), listener]),
      kill: () => (killed = true),
    };
    const fork = (modulePath: string, args?: unknown, options?: unknown) => {
      forks.push({ modulePath, args, options });
      return child;
    };
    const spawn = createUtilitySpawner(fork as unknown as Parameters<typeof createUtilitySpawner>[0], "/app/dist/electron/worker.mjs");
    const worker = spawn("/src/src-main/extract/llama/worker.ts");

    expect(forks).toEqual([
      {
        modulePath: "/app/dist/electron/worker.mjs",
        args: [],
        options: { serviceName: "OncoTimeline inference", stdio: ["ignore", "ignore", "pipe"], env: expect.objectContaining({ UV_THREADPOOL_SIZE: expect.any(String) }) },
      },
    ]);
    expect(worker.pid).toBe(4242);
    worker.send({ type: "count", id: 1, text: "x" });
    expect(posted).toEqual([{ type: "count", id: 1, text: "x" }]);

    const messages: unknown[] = [];
    const exits: unknown[] = [];
    worker.on("message", (message) => messages.push(message));
    worker.on("exit", (code, signal) => exits.push([code, signal]));
    for (const listener of listeners.get("message") ?? []) listener({ type: "counted", id: 1, tokens: 3 });
    for (const listener of listeners.get("exit") ?? []) listener(134);
    expect(messages).toEqual([{ type: "counted", id: 1, tokens: 3 }]);
    expect(exits).toEqual([[134, null]]);
    // After exit nothing is posted to the dead process.
    worker.send({ type: "count", id: 2, text: "y" });
    expect(posted).toHaveLength(1);
    worker.kill();
    expect(killed).toBe(true);
  });
});

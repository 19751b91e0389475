import { describe, expect, it } from "vitest";
import type { ApiHandlers } from "../../src-shared/api.ts";
import { API_CHANNEL, DIALOG_CHANNEL } from "../../src-main/electron/bridge.ts";
import { registerDialogs } from "../../src-main/electron/dialogs.ts";
import { registerApi } from "../../src-main/electron/ipc.ts";

type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown>;

/** ipcMain as far as registration goes: invoking a channel runs what was registered on it. */
function fakeIpcMain() {
  const channels = new Map<string, Handler>();
  const ipcMain = { handle: (channel: string, handler: Handler) => void channels.set(channel, handler) };
  const invoke = (channel: string, event: unknown, ...args: unknown[]) => {
    const handler = channels.get(channel);
    if (!handler) throw new Error(`nothing on ${channel}`);
    return handler(event, ...args);
  };
  return { ipcMain: ipcMain as unknown as Parameters<typeof registerApi>[0], invoke, channels };
}

const top = { url: "app://oncotimeline/index.html#/letters", parent: null };
/** An event as Electron builds it for a frame at this URL (top-level unless given a parent). */
const from = (frame: { url: string; parent: unknown } | null) => ({ senderFrame: frame, sender: {} });

function handlers() {
  const calls: unknown[] = [];
  const partial = {
    "letters.get": (input: { id: number }) => {
      calls.push(input);
      return { id: input.id, patient: "P1", letterDate: "2024-01-02", source: "a.txt", text: "Dear Dr" };
    },
    "jobs.list": (input: { limit: number }) => {
      calls.push(input);
      return [];
    },
  };
  return { handlers: partial as unknown as ApiHandlers, calls };
}

describe("IPC", () => {
  it("registers one channel and answers a valid call from the app window", async () => {
    const { ipcMain, invoke, channels } = fakeIpcMain();
    const { handlers: h, calls } = handlers();
    registerApi(ipcMain, h);
    expect([...channels.keys()]).toEqual([API_CHANNEL]);

    expect(await invoke(API_CHANNEL, from(top), "letters.get", { id: 7 })).toEqual({
      ok: true,
      value: { id: 7, patient: "P1", letterDate: "2024-01-02", source: "a.txt", text: "Dear Dr" },
    });
    // Defaults from the shared schema are applied before the handler sees the input.
    await invoke(API_CHANNEL, from(top), "jobs.list", undefined);
    expect(calls).toEqual([{ id: 7 }, { limit: 50 }]);
  });

  it("rejects a foreign sender before looking at the call", async () => {
    const { ipcMain, invoke } = fakeIpcMain();
    const { handlers: h, calls } = handlers();
    registerApi(ipcMain, h);
    const foreign = [
      from({ url: "https://evil.example/", parent: null }),
      from({ url: "file:///home/user/letter.html", parent: null }),
      from({ url: "app://not-oncotimeline/index.html", parent: null }),
      // Our own origin, but in an iframe.
      from({ url: "app://oncotimeline/index.html", parent: top }),
      // The frame has navigated away or been destroyed.
      from(null),
    ];
    for (const event of foreign) {
      const result = (await invoke(API_CHANNEL, event, "letters.get", { id: 7 })) as { ok: boolean; error: { code: string } };
      expect(result.ok).toBe(false);
      expect(result.error.code).toBe("unauthorised");
    }
    expect(calls).toEqual([]);
  });

  it("rejects an unknown call and invalid input with a message naming the field", async () => {
    const { ipcMain, invoke } = fakeIpcMain();
    const { handlers: h, calls } = handlers();
    registerApi(ipcMain, h);

    expect(await invoke(API_CHANNEL, from(top), "fs.readFile", { path: "/etc/passwd" })).toEqual({
      ok: false,
      error: { code: "unknown-call", message: "no such call: fs.readFile" },
    });
    expect(await invoke(API_CHANNEL, from(top), "__proto__", {})).toMatchObject({ ok: false, error: { code: "unknown-call" } });

    const invalid = (await invoke(API_CHANNEL, from(top), "letters.get", { id: "x" })) as { ok: false; error: { code: string; message: string } };
    expect(invalid.ok).toBe(false);
    expect(invalid.error.code).toBe("invalid-input");
    expect(invalid.error.message).toMatch(/^letters\.get: id: /);

    const extra = (await invoke(API_CHANNEL, from(top), "letters.get", { id: 1, sql: "drop table letters" })) as { ok: false; error: { code: string; message: string } };
    expect(extra.error.code).toBe("invalid-input");
    expect(extra.error.message).toContain("sql");
    expect(calls).toEqual([]);
  });
});

describe("dialog IPC", () => {
  function fakeDialog() {
    const shown: unknown[] = [];
    const dialog = {
      showOpenDialog: async (...args: unknown[]) => {
        shown.push(args.at(-1));
        return { canceled: false, filePaths: ["/home/user/letters"] };
      },
      showSaveDialog: async (...args: unknown[]) => {
        shown.push(args.at(-1));
        return { canceled: true, filePath: "" };
      },
    };
    return { dialog: dialog as unknown as Parameters<typeof registerDialogs>[1], shown };
  }

  it("opens only the fixed kinds, for the app window only", async () => {
    const { ipcMain, invoke } = fakeIpcMain();
    const { dialog, shown } = fakeDialog();
    registerDialogs(ipcMain, dialog, { windowFor: () => null });

    expect(await invoke(DIALOG_CHANNEL, from(top), { kind: "letters-folder" })).toEqual({ ok: true, value: { paths: ["/home/user/letters"] } });
    expect(shown).toEqual([{ title: "Import a folder of letters", properties: ["openDirectory"] }]);
    expect(await invoke(DIALOG_CHANNEL, from(top), { kind: "export-file", format: "fhir" })).toEqual({ ok: true, value: { paths: [] } });

    expect(await invoke(DIALOG_CHANNEL, from({ url: "https://evil.example/", parent: null }), { kind: "letters" })).toMatchObject({ ok: false, error: { code: "unauthorised" } });
    // The page cannot pass its own dialog options (e.g. a defaultPath of its choosing).
    expect(await invoke(DIALOG_CHANNEL, from(top), { kind: "letters", defaultPath: "/etc" })).toMatchObject({ ok: false, error: { code: "invalid-input" } });
    expect(await invoke(DIALOG_CHANNEL, from(top), { kind: "anything" })).toMatchObject({ ok: false, error: { code: "invalid-input" } });
    expect(shown).toHaveLength(2);
  });
});

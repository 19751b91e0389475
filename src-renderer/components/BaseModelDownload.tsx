import { useEffect, useRef, useState, type FormEvent } from "react";
import { DEFAULT_BASE_MODEL, SECRET_ENV, type ModelDownload } from "../../src-shared/api.ts";
import { formatBytes } from "../../src-shared/formatBytes.ts";
import { useModels } from "../state/models.ts";

const URI_PATTERN = "(https://|hf:)\\S+";
const SHA256_PATTERN = "[0-9a-fA-F]{64}";

/**
 * The Models screen's "Download a base model": the default (its licence named before the button)
 * or any GGUF by address, then each download's progress, speed, Cancel, and its end in words.
 */
export function BaseModelDownload() {
  const starting = useModels((state) => state.startingDownload);
  const download = useModels((state) => state.download);
  const downloads = useModels((state) => state.downloads);
  const focusDownload = useModels((state) => state.focusDownload);
  const heading = useRef<HTMLHeadingElement>(null);
  const [uri, setUri] = useState("");
  const [sha256, setSha256] = useState("");
  const [name, setName] = useState("");
  const defaultBusy = downloads.some((item) => item.uri === DEFAULT_BASE_MODEL.uri && (item.state === "running" || item.state === "verifying"));

  useEffect(() => {
    if (!focusDownload) return;
    // After the screen's own focus move to its heading (App.tsx), which runs after this effect.
    const timer = setTimeout(() => {
      heading.current?.scrollIntoView({ block: "start" });
      heading.current?.focus({ preventScroll: true });
      useModels.getState().requestDownloadFocus(false);
    }, 0);
    return () => clearTimeout(timer);
  }, [focusDownload]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const wanted = { uri: uri.trim(), ...(sha256.trim() ? { sha256: sha256.trim() } : {}), ...(name.trim() ? { name: name.trim() } : {}) };
    if (wanted.uri && (await download(wanted))) {
      setUri("");
      setSha256("");
      setName("");
    }
  }

  return (
    <section className="card base-download" aria-labelledby="download-heading">
      <h2 id="download-heading" ref={heading} tabIndex={-1}>
        Download a base model
      </h2>
      <p>
        The default is <strong>{DEFAULT_BASE_MODEL.label}</strong>, about {formatBytes(DEFAULT_BASE_MODEL.approxBytes)}, from Hugging Face (<span className="path">{DEFAULT_BASE_MODEL.uri}</span>).
      </p>
      <p data-testid="default-licence">
        Licence: {DEFAULT_BASE_MODEL.licence}. Downloading it means you accept that licence.
      </p>
      <div className="actions">
        <button type="button" className="primary" disabled={starting || defaultBusy} onClick={() => void download({})}>
          Download {DEFAULT_BASE_MODEL.label}
        </button>
      </div>
      <p className="muted">
        An interrupted or cancelled download resumes where it stopped when you download the same address again. The file&apos;s size and SHA-256 are checked (against the one you give, else the one
        Hugging Face publishes), and the model is registered only after it loaded and generated on this machine.
      </p>
      <form className="download-other" aria-labelledby="download-other-heading" onSubmit={(event) => void submit(event)}>
        <h3 id="download-other-heading">Or another GGUF</h3>
        <div className="row">
          <label className="grow">
            Address (https://… or hf:USER/REPO/FILE.gguf)
            <input value={uri} onChange={(event) => setUri(event.target.value)} placeholder="hf:bartowski/Meta-Llama-3.1-8B-Instruct-GGUF/Meta-Llama-3.1-8B-Instruct-Q8_0.gguf" pattern={URI_PATTERN} required />
          </label>
        </div>
        <div className="row">
          <label className="grow">
            SHA-256 (optional: 64 hexadecimal digits)
            <input value={sha256} onChange={(event) => setSha256(event.target.value)} pattern={SHA256_PATTERN} spellCheck={false} autoComplete="off" />
          </label>
          <label>
            Name (optional)
            <input value={name} onChange={(event) => setName(event.target.value)} />
          </label>
          <button type="submit" disabled={starting || !uri.trim()}>
            Download
          </button>
        </div>
      </form>
      {downloads.length > 0 && (
        <>
          <h3>Downloads</h3>
          <ul className="downloads plain">
            {downloads.map((item) => (
              <DownloadItem key={item.id} item={item} />
            ))}
          </ul>
        </>
      )}
      <HuggingFaceToken />
    </section>
  );
}

const STATE_TEXT: Record<ModelDownload["state"], string> = {
  running: "Downloading",
  verifying: "Checking: SHA-256, then a test load",
  registered: "Registered",
  failed: "Failed",
  cancelled: "Cancelled",
};

function DownloadItem({ item }: { item: ModelDownload }) {
  const cancel = useModels((state) => state.cancelDownload);
  const models = useModels((state) => state.models);
  const active = item.state === "running" || item.state === "verifying";
  const total = item.totalBytes > 0 ? item.totalBytes : null;
  const percent = total === null ? null : Math.floor((item.downloadedBytes / total) * 100);
  const registeredAs = item.modelId === null ? null : (models.find((model) => model.id === item.modelId)?.name ?? item.name ?? `model ${item.modelId}`);
  return (
    <li className="download" data-testid="download">
      <p className="download-head">
        <span className="path">{item.uri}</span>
        <span className={`badge download-${item.state}`}>{item.state}</span>
      </p>
      {/* The state is announced when it changes; the bytes, which change every second, are not. */}
      <p role="status" data-testid="download-state">
        {item.state === "registered" && registeredAs !== null ? `Registered as the model “${registeredAs}”.` : `${STATE_TEXT[item.state]}.`}
      </p>
      {active && (
        <progress
          max={total ?? undefined}
          value={total === null ? undefined : Math.min(item.downloadedBytes, total)}
          aria-label={`Download progress of ${item.uri}`}
        />
      )}
      {(active || item.downloadedBytes > 0) && (
        <p className="muted" data-testid="download-bytes">
          {formatBytes(item.downloadedBytes)} of {total === null ? "a size not known yet" : formatBytes(total)}
          {percent !== null && ` (${percent}%)`}
          {item.state === "running" && ` · ${formatBytes(item.bytesPerSecond)}/s`}
        </p>
      )}
      {item.sha256 !== null && (
        <p className="hash">
          SHA-256 {item.sha256}
          {item.checkedAgainst === "given" ? " (as given)" : item.checkedAgainst === "hugging-face" ? " (as Hugging Face publishes it)" : " (nothing to check it against: give a SHA-256)"}
        </p>
      )}
      {item.state === "failed" && item.message !== null && (
        <div className="failure" data-testid="download-error">
          <pre>{item.message}</pre>
        </div>
      )}
      {item.state === "cancelled" && item.message !== null && <p className="muted">{item.message}</p>}
      {item.state === "running" && (
        <div className="actions">
          <button type="button" className="danger" aria-label={`Cancel the download of ${item.uri}`} onClick={() => void cancel(item.id)}>
            Cancel
          </button>
        </div>
      )}
    </li>
  );
}

const TOKEN = "huggingface-token";

/** Whether a Hugging Face token is set (gated repositories need one) and where from; never its value. */
function HuggingFaceToken() {
  const secrets = useModels((state) => state.secrets);
  const saveToken = useModels((state) => state.saveToken);
  const removeToken = useModels((state) => state.removeToken);
  const [value, setValue] = useState("");
  const entry = secrets?.secrets.find((item) => item.name === TOKEN);
  const where = !entry ? "checking…" : entry.stored ? "stored in this app (encrypted by the operating system)" : entry.fromEnvironment ? `taken from the environment (${SECRET_ENV[TOKEN]})` : "not set";

  function submit(event: FormEvent) {
    event.preventDefault();
    void saveToken(value.trim()).then((saved) => saved && setValue(""));
  }

  return (
    <div className="hf-token">
      <h3>Hugging Face token</h3>
      <p>
        Only gated repositories need one (accept the model&apos;s licence on huggingface.co first). Token: <strong data-testid="hf-token-state">{where}</strong>
      </p>
      {secrets?.canStore ? (
        <form className="row" onSubmit={submit}>
          <label className="grow">
            New Hugging Face token
            <input type="password" autoComplete="off" value={value} minLength={8} onChange={(event) => setValue(event.target.value)} placeholder="hf_…" />
          </label>
          <button type="submit" disabled={value.trim().length < 8}>
            Save token
          </button>
          {entry?.stored && (
            <button type="button" className="danger" onClick={() => void removeToken()}>
              Remove token
            </button>
          )}
        </form>
      ) : (
        secrets?.message && (
          <p className="muted">
            {secrets.message.charAt(0).toUpperCase() + secrets.message.slice(1)} (the token&apos;s variable is {SECRET_ENV[TOKEN]}).
          </p>
        )
      )}
    </div>
  );
}

import { useEffect, useState, type FormEvent } from "react";
import { SECRET_ENV, type SecretName } from "../../src-shared/api.ts";
import { useSynth } from "../state/synth.ts";

const KEY: SecretName = "anthropic-api-key";

/** Whether the Anthropic key is set and where from; never its value. */
export function ApiKeys() {
  const secrets = useSynth((state) => state.secrets);
  const saveKey = useSynth((state) => state.saveKey);
  const removeKey = useSynth((state) => state.removeKey);
  const [value, setValue] = useState("");

  useEffect(() => {
    void useSynth.getState().loadSecrets();
  }, []);

  const entry = secrets?.secrets.find((item) => item.name === KEY);
  const where = !entry ? "Checking…" : entry.stored ? "stored in this app (encrypted by the operating system)" : entry.fromEnvironment ? `taken from the environment (${SECRET_ENV[KEY]})` : "not set";

  function submit(event: FormEvent) {
    event.preventDefault();
    void saveKey(KEY, value).then((saved) => saved && setValue(""));
  }

  return (
    <section className="card api-keys" aria-labelledby="api-keys-heading">
      <h2 id="api-keys-heading">Anthropic API key</h2>
      <p>
        Key: <strong data-testid="anthropic-key-state">{where}</strong>
      </p>
      <p className="muted">Only synthetic text is sent to Anthropic: grid rows out, generated letters back; no real letter ever leaves this machine.</p>
      {secrets?.canStore ? (
        <form className="row" onSubmit={submit}>
          <label className="grow">
            New Anthropic API key
            <input type="password" autoComplete="off" value={value} minLength={8} onChange={(event) => setValue(event.target.value)} placeholder="sk-ant-…" />
          </label>
          <button type="submit" disabled={value.trim().length < 8}>
            Save key
          </button>
          {entry?.stored && (
            <button type="button" className="danger" onClick={() => void removeKey(KEY)}>
              Remove key
            </button>
          )}
        </form>
      ) : (
        secrets?.message && <p className="note">{secrets.message}</p>
      )}
    </section>
  );
}

import { useState, type FormEvent } from "react";
import { useSynth } from "../state/synth.ts";

/** The generation grid: sampled from the default distributions, then edited cell by cell. */
export function SynthGrid() {
  const columns = useSynth((state) => state.columns);
  const rows = useSynth((state) => state.rows);
  const sampling = useSynth((state) => state.sampling);
  const sample = useSynth((state) => state.sample);
  const setCell = useSynth((state) => state.setCell);
  const addRow = useSynth((state) => state.addRow);
  const removeRow = useSynth((state) => state.removeRow);
  const [n, setN] = useState("10");
  const [seed, setSeed] = useState("1");

  const count = Number(n);
  const seedValue = Number(seed);
  const valid = Number.isInteger(count) && count >= 1 && count <= 5000 && Number.isInteger(seedValue) && seedValue >= 0;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (valid) void sample(count, seedValue);
  }

  return (
    <section className="card" aria-labelledby="synth-grid-heading">
      <h2 id="synth-grid-heading">Generation grid</h2>
      <p className="muted">One synthetic letter per row. Sample a balanced grid, then change any cell; the service checks every row before it sends anything.</p>
      <form className="row" onSubmit={submit}>
        <label>
          Rows
          <input type="number" min={1} max={5000} value={n} onChange={(event) => setN(event.target.value)} className="num-input" />
        </label>
        <label>
          Seed
          <input type="number" min={0} value={seed} onChange={(event) => setSeed(event.target.value)} className="num-input" />
        </label>
        <button type="submit" disabled={!valid || sampling}>
          Sample {valid ? count : ""} rows
        </button>
        {rows.length > 0 && (
          <button type="button" onClick={addRow}>
            Add row
          </button>
        )}
        <span className="muted" aria-live="polite">
          {rows.length > 0 ? `${rows.length} rows in the grid` : "No grid yet."}
        </span>
      </form>
      {rows.length > 0 && (
        <div className="synth-grid" role="region" aria-label="Grid rows" tabIndex={0}>
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">Row</th>
                {columns.map((column) => (
                  <th scope="col" key={column}>
                    {column}
                  </th>
                ))}
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr key={i}>
                  <th scope="row">{i + 1}</th>
                  {columns.map((column) => (
                    <td key={column}>
                      <input aria-label={`row ${i + 1} ${column}`} value={row[column] ?? ""} onChange={(event) => setCell(i, column, event.target.value)} />
                    </td>
                  ))}
                  <td>
                    <button type="button" className="small" aria-label={`Remove row ${i + 1}`} onClick={() => removeRow(i)}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

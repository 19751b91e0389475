/**
 * Training loss by optimizer step as an inline SVG line chart: axes with ticks and labels on the
 * Fine-tune screen, a bare sparkline in a model's lineage. No chart library: a polyline is enough.
 */

/** [step, loss] pairs, in step order. */
export type LossSeries = readonly (readonly [number, number])[];

/** Round tick values (1, 2 or 5 × 10ⁿ apart) covering [low, high]. */
export function niceTicks(low: number, high: number, wanted: number): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / Math.max(1, wanted);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= raw) ?? raw;
  const ticks: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

/** A tick's label, with as many decimals as the ticks' spacing needs. */
function tickLabel(value: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs((ticks[1] as number) - (ticks[0] as number)) : Math.abs(value) || 1;
  return value.toFixed(Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))));
}

export function formatLoss(loss: number): string {
  return loss >= 100 ? loss.toFixed(0) : loss >= 10 ? loss.toFixed(1) : loss.toFixed(3);
}

/** What the chart shows, in words: its accessible name. */
export function describeLoss(points: LossSeries): string {
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) return "No loss recorded yet";
  return `Training loss by step: ${formatLoss(first[1])} at step ${first[0]}, ${formatLoss(last[1])} at step ${last[0]} (${points.length} ${points.length === 1 ? "point" : "points"})`;
}

type Props = { points: LossSeries; variant?: "chart" | "sparkline" };

export function LossChart({ points, variant = "chart" }: Props): React.JSX.Element {
  const sparkline = variant === "sparkline";
  const label = describeLoss(points);
  if (points.length === 0) return <p className="muted">{sparkline ? "No loss recorded." : "No loss recorded yet: the first lines come once training starts."}</p>;

  const width = sparkline ? 160 : 640;
  const height = sparkline ? 36 : 240;
  const margin = sparkline ? { top: 3, right: 3, bottom: 3, left: 3 } : { top: 12, right: 16, bottom: 40, left: 56 };
  const steps = points.map(([step]) => step);
  const losses = points.map(([, loss]) => loss);
  const minStep = Math.min(...steps);
  const maxStep = Math.max(...steps);
  const lowLoss = Math.min(...losses);
  const highLoss = Math.max(...losses);
  // A little room above and below the line; a flat line gets room of its own.
  const pad = (highLoss - lowLoss) * 0.05 || Math.max(Math.abs(highLoss) * 0.1, 0.1);
  const yTicks = sparkline ? [] : niceTicks(Math.max(0, lowLoss - pad), highLoss + pad, 4);
  const yLow = sparkline ? lowLoss : Math.min(Math.max(0, lowLoss - pad), yTicks[0] ?? lowLoss);
  const yHigh = sparkline ? highLoss : Math.max(highLoss + pad, yTicks.at(-1) ?? highLoss);
  const xTicks = sparkline ? [] : niceTicks(minStep, maxStep, 6);
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const x = (step: number) => margin.left + (maxStep === minStep ? plotWidth / 2 : ((step - minStep) / (maxStep - minStep)) * plotWidth);
  const y = (loss: number) => margin.top + (yHigh === yLow ? plotHeight / 2 : (1 - (loss - yLow) / (yHigh - yLow)) * plotHeight);
  const line = points.map(([step, loss]) => `${x(step).toFixed(1)},${y(loss).toFixed(1)}`).join(" ");
  const last = points.at(-1) as readonly [number, number];

  return (
    <svg className={sparkline ? "loss-sparkline" : "loss-chart"} viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={label} data-testid={sparkline ? "loss-sparkline" : "loss-chart"}>
      <title>{label}</title>
      {!sparkline && (
        <g className="loss-axes" aria-hidden="true">
          {yTicks.map((tick) => (
            <g key={`y${tick}`}>
              <line x1={margin.left} x2={width - margin.right} y1={y(tick)} y2={y(tick)} className="loss-grid" />
              <text x={margin.left - 6} y={y(tick)} textAnchor="end" dominantBaseline="middle">
                {tickLabel(tick, yTicks)}
              </text>
            </g>
          ))}
          {xTicks.map((tick) => (
            <g key={`x${tick}`}>
              <line x1={x(tick)} x2={x(tick)} y1={height - margin.bottom} y2={height - margin.bottom + 4} className="loss-axis" />
              <text x={x(tick)} y={height - margin.bottom + 16} textAnchor="middle">
                {tick}
              </text>
            </g>
          ))}
          <line x1={margin.left} x2={margin.left} y1={margin.top} y2={height - margin.bottom} className="loss-axis" />
          <line x1={margin.left} x2={width - margin.right} y1={height - margin.bottom} y2={height - margin.bottom} className="loss-axis" />
          <text x={margin.left + plotWidth / 2} y={height - 4} textAnchor="middle" className="loss-label">
            optimizer step
          </text>
          <text x={14} y={margin.top + plotHeight / 2} textAnchor="middle" transform={`rotate(-90 14 ${margin.top + plotHeight / 2})`} className="loss-label">
            training loss
          </text>
        </g>
      )}
      {points.length === 1 ? <circle cx={x(last[0])} cy={y(last[1])} r={3} className="loss-point" /> : <polyline points={line} className="loss-line" fill="none" />}
      {!sparkline && points.length > 1 && <circle cx={x(last[0])} cy={y(last[1])} r={3.5} className="loss-point" />}
    </svg>
  );
}

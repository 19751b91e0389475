/** US dollars to the cent; an amount under half a cent that is not nothing still shows that something was (or will be) spent. */
export function formatUsd(value: number): string {
  if (value > 0 && value < 0.005) return "<$0.01";
  return `$${value.toFixed(2)}`;
}

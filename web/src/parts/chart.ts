import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: number[];
  color: string;
}

/**
 * A uPlot chart: bars over named categories, or lines over time (x in seconds). The numbers are
 * also given as a table for screen readers, since a canvas says nothing.
 */
export function Chart(props: {
  title: string;
  x: number[];
  xLabels?: string[];
  series: ChartSeries[];
  bars?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const { xLabels, bars } = props;
    const bar = bars ? uPlot.paths.bars?.({ size: [0.6, 60] }) : undefined;
    const plot = new uPlot(
      {
        width: Math.min(560, box.current.clientWidth || 560),
        height: 240,
        scales: {
          x: xLabels ? { time: false, range: [-0.5, Math.max(0.5, xLabels.length - 0.5)] } : { time: true },
        },
        axes: [xLabels ? { values: (_u, ticks) => ticks.map((i) => xLabels[i] ?? '') } : {}, {}],
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            fill: bars ? s.color : undefined,
            ...(bar ? { paths: bar } : {}),
          })),
        ],
      },
      [props.x, ...props.series.map((s) => s.values)],
      box.current,
    );
    return () => plot.destroy();
  }, [JSON.stringify([props.x, props.series, props.xLabels])]);
  return html`<figure class="card">
    <figcaption>${props.title}</figcaption>
    <div ref=${box} aria-hidden="true"></div>
    <table class="visually-hidden">
      <tr><th></th>${props.series.map((s) => html`<th scope="col">${s.label}</th>`)}</tr>
      ${props.x.map(
        (x, i) => html`<tr>
          <th scope="row">${props.xLabels?.[i] ?? new Date(x * 1000).toLocaleString()}</th>
          ${props.series.map((s) => html`<td>${s.values[i]}</td>`)}
        </tr>`,
      )}
    </table>
  </figure>`;
}

/** The most played tracks of the day, the week or all time. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { getChart, type ChartWindow } from '../api/social.js';
import { useResource } from '../ui/resource.js';
import { ChartList } from './home.js';

const WINDOWS: { value: ChartWindow; label: string }[] = [
  { value: 'day', label: 'Today' },
  { value: 'week', label: 'This week' },
  { value: 'all', label: 'All time' },
];

export function Charts(): JSX.Element {
  const [window, setWindow] = useState<ChartWindow>('week');
  const chart = useResource((signal) => getChart(window, 50, signal), [window]);
  const label = WINDOWS.find((w) => w.value === window)!.label;
  return (
    <>
      <h1>Charts</h1>
      <fieldset class="segmented">
        <legend class="visually-hidden">Period</legend>
        {WINDOWS.map((w) => (
          <label key={w.value} class={w.value === window ? 'segment selected' : 'segment'}>
            <input type="radio" name="chart-window" value={w.value} checked={w.value === window} onChange={() => setWindow(w.value)} />
            {w.label}
          </label>
        ))}
      </fieldset>
      <ChartList chart={chart} label={`Most played: ${label}`} />
    </>
  );
}

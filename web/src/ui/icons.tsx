/** Inline SVG icons (decorative: the buttons and links that hold them carry the labels). */
import type { JSX } from 'preact';

const paths = {
  home: 'M12 3 2 12h3v8h6v-6h2v6h6v-8h3z',
  search: 'M15.5 14h-.8l-.3-.3A6.5 6.5 0 1 0 14 15.5l.3.3v.8l5 5 1.5-1.5zm-6 0a4.5 4.5 0 1 1 0-9 4.5 4.5 0 0 1 0 9',
  chart: 'M4 20h4V10H4zm6 0h4V4h-4zm6 0h4v-7h-4z',
  people: 'M16 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6m-8 0a3 3 0 1 0 0-6 3 3 0 0 0 0 6m0 2c-2.3 0-7 1.2-7 3.5V19h14v-2.5C15 14.2 10.3 13 8 13m8 0h-1a4.5 4.5 0 0 1 2 3.5V19h6v-2.5c0-2.3-4.7-3.5-7-3.5',
  list: 'M3 6h14v2H3zm0 5h14v2H3zm0 5h9v2H3zm16-2v-4h-2v4h-4v2h4v4h2v-4h4v-2z',
  grid: 'M4 4h7v7H4zm9 0h7v7h-7zM4 13h7v7H4zm9 0h7v7h-7z',
  play: 'M8 5v14l11-7z',
  pause: 'M6 5h4v14H6zm8 0h4v14h-4z',
  next: 'M6 6l8.5 6L6 18zm10 0h2v12h-2z',
  previous: 'M6 6h2v12H6zm3.5 6L18 6v12z',
  drag: 'M9 5h2v2H9zm4 0h2v2h-2zM9 11h2v2H9zm4 0h2v2h-2zm-4 6h2v2H9zm4 0h2v2h-2z',
  close: 'M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7l-1.4-1.4L9.2 12 2.9 5.7l1.4-1.4 6.3 6.3 6.3-6.3z',
  add: 'M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z',
  up: 'M7 14l5-5 5 5z',
  down: 'M7 10l5 5 5-5z',
  queue: 'M3 6h12v2H3zm0 4h12v2H3zm0 4h8v2H3zm14-1v6l5-3z',
  devices: 'M4 6h16v9H4zm-2 11h20v2H2zM17 3h4v2h-4z',
  volume: 'M3 9v6h4l5 5V4L7 9zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4',
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name, size = 20 }: { name: IconName; size?: number }): JSX.Element {
  return (
    <svg class="icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={paths[name]} fill="currentColor" />
    </svg>
  );
}

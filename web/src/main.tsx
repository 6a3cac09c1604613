/** The browser client's entry point. */
import './styles/index.css';
import { render } from 'preact';
import { App } from './app.js';
import { interceptLinks } from './router.js';

// A playlist opened cold: load its live editor's code now, while the playlist itself loads.
if (location.pathname.startsWith('/playlist/')) import('./playlist/live.js').catch(() => undefined);

const root = document.getElementById('app')!;
interceptLinks(root);
render(<App />, root);

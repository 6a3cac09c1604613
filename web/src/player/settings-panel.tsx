/** Playback settings: quality (within what the plan allows) and loudness normalisation. */
import type { JSX } from 'preact';
import { getMe } from '../api/social.js';
import { useStore } from '../store.js';
import { useResource } from '../ui/resource.js';
import { local } from './engine.js';
import { changeSettings, settings, type QualityChoice } from './settings.js';

const LABELS: Record<QualityChoice, string> = {
  auto: 'Automatic (the best your plan allows)',
  low: 'Data saver (128 kbps)',
  high: 'High (320 kbps)',
  lossless: 'Lossless (the original file, where there is one)',
};

export function PlaybackSettingsPanel(): JSX.Element {
  const prefs = useStore(settings);
  const here = useStore(local);
  const me = useResource((signal) => getMe(signal), []);
  const premium = me.data?.plan === 'premium';
  const choices: QualityChoice[] = premium ? ['auto', 'high', 'low', 'lossless'] : ['auto', 'low'];
  return (
    <>
      <h2>Playback</h2>
      <div class="form">
        <label for="quality">Quality</label>
        <select id="quality" value={prefs.quality} onChange={(e) => changeSettings({ quality: e.currentTarget.value as QualityChoice })}>
          {choices.map((q) => (
            <option key={q} value={q}>
              {LABELS[q]}
            </option>
          ))}
        </select>
        {me.data && !premium && <p class="muted">Your plan streams at 128 kbps; premium plans reach 320 kbps and lossless.</p>}
        {here.quality && here.bitrate !== undefined && (
          <p class="muted" role="status">
            Playing: {here.quality} quality, {Math.round(here.bitrate / 1000)} kbps.
          </p>
        )}
        <label class="check">
          <input type="checkbox" checked={prefs.normalise} onChange={(e) => changeSettings({ normalise: e.currentTarget.checked })} />
          Even out loudness between songs
        </label>
      </div>
    </>
  );
}

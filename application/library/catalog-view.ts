/**
 * The stored catalog as a scan sees it: each artist's decider state, and which library file each
 * track's audio came from. Built by reading every `catalog-` stream once (the catalog is small
 * next to listening history), then kept up to date with the events the scan itself writes.
 */
import { catalogDecider, type CatalogState, type TrackState } from '../../domain/catalog/decider.js';
import { CATALOG_EVENT_TYPES, type AudioSource, type CatalogEvent } from '../../domain/catalog/events.js';
import type { EventStore } from '../../gateways/event-store/port.js';

export interface KnownFile {
  artistId: string;
  albumId: string;
  trackId: string;
  source: AudioSource;
  /** The renditions' version folder (the audio's hash), when ingested. */
  version: string | undefined;
  unavailable: boolean;
}

export class CatalogView {
  /** artistId -> state */
  readonly artists = new Map<string, CatalogState>();
  /** trackId -> artistId */
  readonly trackOwners = new Map<string, string>();
  /** albumId -> artistId */
  readonly albumOwners = new Map<string, string>();

  static async load(store: EventStore, signal?: AbortSignal): Promise<CatalogView> {
    const view = new CatalogView();
    const events = store.readAll({ filter: { streamPrefixes: ['catalog-'], eventTypes: [...CATALOG_EVENT_TYPES] } });
    for await (const recorded of events) {
      if (signal?.aborted) break;
      const artistId = recorded.stream.slice('catalog-'.length);
      view.apply(artistId, [{ type: recorded.type, data: recorded.data } as unknown as CatalogEvent]);
    }
    return view;
  }

  apply(artistId: string, events: readonly CatalogEvent[]): void {
    let state = this.artists.get(artistId) ?? catalogDecider.initialState;
    for (const event of events) {
      state = catalogDecider.evolve(state, event);
      if (event.type === 'AlbumReleased') {
        this.albumOwners.set(event.data.albumId, artistId);
        for (const t of event.data.tracks) this.trackOwners.set(t.trackId, artistId);
      } else if (event.type === 'AlbumTrackAdded') {
        this.trackOwners.set(event.data.track.trackId, artistId);
      }
    }
    this.artists.set(artistId, state);
  }

  state(artistId: string): CatalogState {
    return this.artists.get(artistId) ?? catalogDecider.initialState;
  }

  track(trackId: string): (TrackState & { artistId: string; trackId: string }) | undefined {
    const artistId = this.trackOwners.get(trackId);
    const state = artistId === undefined ? undefined : this.artists.get(artistId);
    const track = state?.status === 'added' ? state.tracks.get(trackId) : undefined;
    return track && artistId !== undefined ? { ...track, artistId, trackId } : undefined;
  }

  /** Every track whose audio came from a library file, by the file's path. */
  filesByPath(): Map<string, KnownFile> {
    const files = new Map<string, KnownFile>();
    for (const [artistId, state] of this.artists) {
      if (state.status !== 'added') continue;
      for (const [trackId, track] of state.tracks) {
        const source = track.media?.source;
        if (!source) continue;
        const version = track.media?.renditions?.[0]?.file.split('/')[0];
        const file = { artistId, albumId: track.albumId, trackId, source, version, unavailable: track.unavailable === true };
        // A file that became another track leaves its old track unavailable: the available one is the file's.
        if (!files.get(source.path) || files.get(source.path)!.unavailable) files.set(source.path, file);
      }
    }
    return files;
  }
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FileTags } from '../../gateways/media/tags.js';
import { identify, normaliseName } from './identity.js';

const tags = (over: Partial<FileTags> = {}): FileTags => ({
  title: 'Song',
  artist: 'The Band',
  album: 'First',
  trackNumber: 3,
  discNumber: 1,
  date: '2019',
  genres: ['Rock'],
  musicbrainz: {},
  ...over,
});
const mb = '5b11f4ce-a62d-471e-81fc-a69a8278c7da';

describe('library identity', () => {
  it('the same tags give the same ids wherever the file lives; case and spacing of names do not matter', () => {
    const a = identify(tags(), '/music/a/03 Song.flac');
    const b = identify(tags({ artist: 'the  band', album: 'FIRST' }), '/elsewhere/song.mp3');
    expect([b.artist.id, b.album.id, b.track.id]).toStrictEqual([a.artist.id, a.album.id, a.track.id]);
    expect(a.artist.id).toMatch(/^ar-[0-9a-f]{16}$/);
    expect(a.album.id).toMatch(/^al-[0-9a-f]{16}$/);
    expect(a.track.id).toMatch(/^tr-[0-9a-f]{16}$/);
  });

  it('a retitled track keeps its id (disc and number name it); another number is another track', () => {
    expect(identify(tags({ title: 'Song (2011 remaster)' }), 'x').track.id).toBe(identify(tags(), 'x').track.id);
    expect(identify(tags({ trackNumber: 4 }), 'x').track.id).not.toBe(identify(tags(), 'x').track.id);
    expect(identify(tags({ discNumber: 2 }), 'x').track.id).not.toBe(identify(tags(), 'x').track.id);
  });

  it('MusicBrainz ids decide when present: a renamed artist or album keeps its id', () => {
    const withIds = (over: Partial<FileTags>) => tags({ musicbrainz: { albumArtistId: mb, releaseId: mb, releaseTrackId: mb, recordingId: mb }, albumArtist: 'The Band', ...over });
    const a = identify(withIds({}), 'x');
    const b = identify(withIds({ albumArtist: 'Band, The', album: 'First (Deluxe)', trackNumber: 9 }), 'x');
    expect([b.artist.id, b.album.id, b.track.id]).toStrictEqual([a.artist.id, a.album.id, a.track.id]);
    expect(a.artist.musicbrainzId).toBe(mb);
    expect(a.album.musicbrainzId).toBe(mb);
    expect(a.track.musicbrainzId).toBe(mb);
  });

  it('the album artist owns the album; a different track artist is the track credit', () => {
    const entry = identify(tags({ albumArtist: 'Various Artists', artist: 'Solo Singer' }), 'x');
    expect(entry.artist.name).toBe('Various Artists');
    expect(entry.track.credit).toBe('Solo Singer');
    expect(identify(tags({ albumArtist: 'the band' }), 'x').track.credit).toBeUndefined();
  });

  it('an untagged file is placed by its file name under Unknown Artist / Unknown Album', () => {
    const entry = identify({ genres: [], musicbrainz: {} }, '/music/07 - Night Drive.wav');
    expect(entry.artist.name).toBe('Unknown Artist');
    expect(entry.album.title).toBe('Unknown Album');
    expect(entry.album.releaseDate).toBe('');
    expect(entry.track).toMatchObject({ title: 'Night Drive', trackNumber: 7, discNumber: 1 });
  });

  it('over-long names are cut to 200 characters; genres are lower-cased, without duplicates, at most 20', () => {
    const entry = identify(tags({ title: 'x'.repeat(500), genres: ['Rock', 'rock', ...Array.from({ length: 30 }, (_, i) => `g${i}`)] }), 'x');
    expect(entry.track.title).toHaveLength(200);
    expect(entry.track.genres).toHaveLength(20);
    expect(entry.track.genres[0]).toBe('rock');
  });

  it('ids are a function of the normalised names (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (artist, album) => {
        fc.pre(normaliseName(artist) !== '' && normaliseName(album) !== '');
        const a = identify(tags({ artist, album }), 'x');
        const b = identify(tags({ artist: ` ${artist.toUpperCase()} `, album: album.toLowerCase() }), 'y');
        fc.pre(normaliseName(artist.toUpperCase()) === normaliseName(artist));
        expect(b.album.id).toBe(a.album.id);
      }),
    );
  });
});

/** hls.js's light build has the full build's API (less subtitles, alternate audio and DRM) but ships no types of its own. */
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}

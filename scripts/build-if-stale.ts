import { buildIfStale } from './build-inputs.js';

// `npm start`'s first half: build only when the sources changed since the last build.
buildIfStale();

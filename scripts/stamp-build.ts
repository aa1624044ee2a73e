import { stampBuild } from './build-inputs.js';

// `npm run build`'s last step: `npm start` then knows this build is up to date.
stampBuild();

// The composer's styles, as a module of its own that Composer.tsx imports
// when it runs: the pane's import of the composer then names no stylesheet,
// which would weigh on the desk's first load (web/test/budget.test.ts).
import './composer.css';

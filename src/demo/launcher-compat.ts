import { Router } from 'express';

/**
 * Development only, beside the demo FHIR server: the SMART App Launcher (smart-on-fhir/smart-launcher-v2) picks
 * "the most recent encounter" by default with `new URL('/Encounter/?...', fhirServer)`, which drops a FHIR base path
 * such as /fhir and so asks this server's root. Its query is a plain Encounter search: send it where the demo FHIR
 * server answers it (307 keeps the method), so that a launch with the launcher's defaults works (docs/smart-app.md).
 */
export function launcherCompat(): Router {
  const router = Router();
  router.get(['/Encounter', '/Encounter/'], (req, res) => {
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    res.redirect(307, `/fhir/Encounter${query}`);
  });
  return router;
}

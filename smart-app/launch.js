// SMART App Launch 2.0 "Launch URL" (GET /smart/launch): EHR launch with iss and launch, standalone with iss only.
// The fhirclient library (window.FHIR, served from its npm package) discovers the EHR's endpoints, makes the PKCE
// challenge and redirects to the authorization server; the redirect URI is the app page, ./ (/smart/).
const status = document.getElementById('status');
const clientId = document.querySelector('meta[name="smart-client-id"]').content;
const params = new URLSearchParams(location.search);
const iss = params.get('iss');
const launch = params.get('launch');

/** SMART v2 scopes (patient/*.rs) where the server says it has them, else the v1 form (patient/*.read). */
async function scopeFor(fhirBase, ehrLaunch) {
  let v2 = false;
  try {
    const res = await fetch(`${fhirBase.replace(/\/$/, '')}/.well-known/smart-configuration`, {
      headers: { Accept: 'application/json' },
    });
    if (res.ok) {
      const configuration = await res.json();
      v2 = Array.isArray(configuration.capabilities) && configuration.capabilities.includes('permission-v2');
    }
  } catch {
    // No discovery document: an older (SMART 1.0) server, which reads v1 scopes.
  }
  return [ehrLaunch ? 'launch' : 'launch/patient', 'openid', 'fhirUser', v2 ? 'patient/*.rs' : 'patient/*.read'].join(
    ' '
  );
}

try {
  const scope = await scopeFor(iss, launch !== null);
  status.textContent = "Redirecting to the EHR's authorization server…";
  await window.FHIR.oauth2.authorize({
    clientId,
    scope,
    iss,
    ...(launch === null ? {} : { launch }),
    redirectUri: './',
    pkceMode: 'ifSupported',
  });
} catch (error) {
  status.setAttribute('role', 'alert');
  status.textContent = `The launch failed: ${error instanceof Error ? error.message : String(error)}`;
}

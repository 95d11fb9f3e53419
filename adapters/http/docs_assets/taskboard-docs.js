// Starts Swagger UI in the page's #swagger-ui element, on the OpenAPI document the element names.
// A file of its own rather than an inline script: the page's Content-Security-Policy allows
// scripts from this origin only.
const container = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: container.dataset.openapiUrl,
  domNode: container,
  deepLinking: true,
  // Otherwise Swagger UI shows a badge loaded from an online validator.
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
});

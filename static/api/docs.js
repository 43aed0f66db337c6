// Starts Swagger UI on the API documentation page (a file, not inline: the CSP allows no
// inline script). The schema's address comes from the page.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    domNode: root,
    deepLinking: true,
    // The "Try it out" requests carry the token given under "Authorize".
    persistAuthorization: false,
    validatorUrl: null
  });
})();

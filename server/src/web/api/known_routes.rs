//! Which methods each documented path answers, read from the OpenAPI document: a request with
//! another method gets 405 and an `Allow` header instead of a 404 (see `error::not_found`).

/// The documented path templates (`/api/v1/screens/{id}`) with their methods, upper case.
#[derive(Debug, Default)]
pub struct KnownRoutes {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl KnownRoutes {
    /// From the OpenAPI document as served.
    pub fn from_openapi(document: &str) -> KnownRoutes {
        let Ok(document) = serde_json::from_str::<serde_json::Value>(document) else {
            return KnownRoutes::default();
        };
        let routes = document["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(template, item)| {
                        let segments = template.split('/').map(str::to_owned).collect();
                        let methods = METHODS
                            .iter()
                            .filter(|m| item.get(**m).is_some())
                            .map(|m| m.to_ascii_uppercase())
                            .collect();
                        (segments, methods)
                    })
                    .collect()
            })
            .unwrap_or_default();
        KnownRoutes { routes }
    }

    /// The methods the documented path matching `path` answers ("GET, PUT"), if one matches.
    /// A path with its own name wins over a template (`/services/import` over `/services/{id}`).
    pub fn methods_of(&self, path: &str) -> Option<String> {
        let asked: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .filter(|(template, _)| {
                template.len() == asked.len()
                    && template.iter().zip(&asked).all(|(t, a)| {
                        t == a || (t.starts_with('{') && t.ends_with('}') && !a.is_empty())
                    })
            })
            .max_by_key(|(template, _)| template.iter().zip(&asked).filter(|(t, a)| t == a).count())
            .map(|(_, methods)| methods.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_path_lists_its_methods_and_others_are_unknown() {
        let known = KnownRoutes::from_openapi(
            r#"{"paths": {"/api/v1/screens/{id}": {"get": {}, "put": {}},
                          "/api/v1/auth/logout": {"post": {}}}}"#,
        );
        assert_eq!(
            known.methods_of("/api/v1/screens/0190f0a0").as_deref(),
            Some("GET, PUT")
        );
        assert_eq!(
            known.methods_of("/api/v1/auth/logout").as_deref(),
            Some("POST")
        );
        assert_eq!(known.methods_of("/api/v1/screens/"), None);
        assert_eq!(known.methods_of("/api/v1/nothing"), None);
    }

    #[test]
    fn a_path_with_its_own_name_wins_over_a_template() {
        for order in [
            r#"{"paths": {"/services/{id}": {"put": {}}, "/services/import": {"post": {}}}}"#,
            r#"{"paths": {"/services/import": {"post": {}}, "/services/{id}": {"put": {}}}}"#,
        ] {
            let known = KnownRoutes::from_openapi(order);
            assert_eq!(
                known.methods_of("/services/import").as_deref(),
                Some("POST")
            );
            assert_eq!(
                known.methods_of("/services/0190f0a0").as_deref(),
                Some("PUT")
            );
        }
    }
}

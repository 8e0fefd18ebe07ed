//! Request bodies as the OpenAPI document describes them: JSON objects.

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::marker::PhantomData;

/// A `T` read from a JSON object only. serde also reads a struct from an array of its fields
/// in order (`[null, "1h"]`), which the document does not allow and no caller means.
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for Fields<T> {
            type Value = T;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(Fields(PhantomData))
            .map(Object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Request {
        #[serde(default)]
        grace: Option<String>,
        #[serde(default)]
        days: Option<u32>,
    }

    #[test]
    fn objects_are_read_and_arrays_are_not() {
        let read = |text| serde_json::from_str::<Object<Request>>(text).map(|Object(r)| r);
        assert_eq!(
            read(r#"{"grace": "1h"}"#).unwrap(),
            Request {
                grace: Some("1h".into()),
                days: None
            }
        );
        assert!(read(r#"{"other": 1}"#).is_err());
        for not_an_object in ["[null, null]", "[]", "null", "\"1h\"", "3"] {
            let error = read(not_an_object).unwrap_err().to_string();
            assert!(
                error.contains("expected a JSON object"),
                "{not_an_object}: {error}"
            );
        }
    }
}

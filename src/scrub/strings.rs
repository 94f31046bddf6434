//! Every string of a serialisable value, visited in place: the scrubber's quick look at the
//! facts. Nothing is copied or allocated; the first string the test accepts ends the walk.

use std::fmt;

use serde::Serialize;
use serde::ser;

/// Whether `test` accepts any string of `value`: string fields, map keys, chars and bytes
/// (as lossy UTF-8). Enum variant and field names are the program's, never data.
#[cfg(test)]
pub fn any<T: Serialize + ?Sized>(value: &T, mut test: impl FnMut(&str) -> bool) -> bool {
    let mut visitor = Visitor {
        test: move |s: &str, _key: bool| test(s),
        key: false,
    };
    matches!(value.serialize(&mut visitor), Err(Found::Yes))
}

/// Calls `f` with every string of `value` and whether it is a map key (a data key such as an
/// INFO field name) or a value. Field and variant names are not visited.
pub fn each<T: Serialize + ?Sized>(value: &T, mut f: impl FnMut(&str, bool)) {
    let mut visitor = Visitor {
        test: move |s: &str, key: bool| {
            f(s, key);
            false
        },
        key: false,
    };
    let _ = value.serialize(&mut visitor);
}

struct Visitor<F> {
    test: F,
    /// A map key is being visited.
    key: bool,
}

/// Ends the walk: `Yes` when a string was accepted; `Other` for a type's own error.
#[derive(Debug)]
enum Found {
    Yes,
    Other,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string matched")
    }
}

impl std::error::Error for Found {}

impl ser::Error for Found {
    fn custom<T: fmt::Display>(_: T) -> Found {
        Found::Other
    }
}

impl<F: FnMut(&str, bool) -> bool> Visitor<F> {
    fn check(&mut self, s: &str) -> Result<(), Found> {
        if (self.test)(s, self.key) {
            Err(Found::Yes)
        } else {
            Ok(())
        }
    }
}

macro_rules! ignore {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, _: $ty) -> Result<(), Found> { Ok(()) })*
    };
}

impl<F: FnMut(&str, bool) -> bool> ser::Serializer for &mut Visitor<F> {
    type Ok = ();
    type Error = Found;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    ignore!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_f32: f32, serialize_f64: f64, serialize_unit_struct: &'static str);

    fn serialize_char(self, v: char) -> Result<(), Found> {
        self.check(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Found> {
        self.check(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Found> {
        self.check(&String::from_utf8_lossy(v))
    }
    fn serialize_none(self) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Found> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Found> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<(), Found> {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Found> {
        Ok(self)
    }
}

/// Every compound forwards its elements (and map keys) to the same visitor.
macro_rules! forward {
    ($($trait:ident { $($method:ident),* }),*) => {
        $(impl<F: FnMut(&str, bool) -> bool> ser::$trait for &mut Visitor<F> {
            type Ok = ();
            type Error = Found;
            $(fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Found> {
                v.serialize(&mut **self)
            })*
            fn end(self) -> Result<(), Found> {
                Ok(())
            }
        })*
    };
}

forward!(
    SerializeSeq { serialize_element },
    SerializeTuple { serialize_element },
    SerializeTupleStruct { serialize_field },
    SerializeTupleVariant { serialize_field }
);

impl<F: FnMut(&str, bool) -> bool> ser::SerializeMap for &mut Visitor<F> {
    type Ok = ();
    type Error = Found;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Found> {
        self.key = true;
        let found = k.serialize(&mut **self);
        self.key = false;
        found
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Found> {
        v.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Found> {
        Ok(())
    }
}

macro_rules! forward_fields {
    ($($trait:ident),*) => {
        $(impl<F: FnMut(&str, bool) -> bool> ser::$trait for &mut Visitor<F> {
            type Ok = ();
            type Error = Found;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                _: &'static str,
                v: &T,
            ) -> Result<(), Found> {
                v.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Found> {
                Ok(())
            }
        })*
    };
}

forward_fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    #[derive(Serialize)]
    #[serde(tag = "status", rename_all = "snake_case")]
    enum Tagged {
        Ok { value: Vec<String> },
        Failed { error: String },
    }

    #[derive(Serialize)]
    struct Facts {
        n: u32,
        name: Option<String>,
        map: BTreeMap<String, String>,
        pair: (String, String),
        tagged: Tagged,
        other: Tagged,
    }

    #[test]
    fn every_string_is_seen_and_only_strings() {
        let facts = Facts {
            n: 7,
            name: Some("alpha".into()),
            map: [("key-k".to_string(), "value-v".to_string())].into(),
            pair: ("left".into(), "right".into()),
            tagged: Tagged::Ok {
                value: vec!["inner".into()],
            },
            other: Tagged::Failed {
                error: "broken".into(),
            },
        };
        let mut seen = Vec::new();
        assert!(!super::any(&facts, |s| {
            seen.push(s.to_string());
            false
        }));
        // The tag values of internally tagged enums are visited too; field names are not.
        for s in [
            "alpha", "key-k", "value-v", "left", "right", "inner", "broken",
        ] {
            assert!(seen.contains(&s.to_string()), "{s} in {seen:?}");
        }
        assert!(!seen.iter().any(|s| s == "name" || s == "n"), "{seen:?}");
        assert!(super::any(&facts, |s| s == "inner"));
        assert!(!super::any(&facts, |s| s == "7"));
    }
}

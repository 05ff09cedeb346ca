use wasm_bindgen::prelude::*;

/// A newtype that represents Serde errors as JavaScript exceptions.
#[derive(Debug)]
pub struct Error(JsValue);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        #[wasm_bindgen]
        extern "C" {
            #[wasm_bindgen(js_name = String)]
            pub fn to_string(value: &JsValue) -> String;
        }

        to_string(&self.0).fmt(f)
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Creates a JavaScript `Error` with a given message.
    pub fn new<T: std::fmt::Display>(msg: T) -> Self {
        Error(JsError::new(&msg.to_string()).into())
    }
}

#[cfg(not(feature = "terse-errors"))]
impl serde::ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::new(msg)
    }
}

#[cfg(not(feature = "terse-errors"))]
impl serde::de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::new(msg)
    }
}

// PATCH(terse-errors) begin: errors that never format a message, so that `core::fmt`, float
// formatting and `Debug` escaping are not linked through them (see PATCH.md). Each error says which
// kind of error it is, and names the field or variant where serde gives it as a `&str`; the values
// involved (`Unexpected`, `Expected`, `custom`'s message) are not described.
#[cfg(feature = "terse-errors")]
impl Error {
    #[cold]
    fn terse(parts: &[&str]) -> Self {
        // A loop of `push_str`, not `parts.concat()`, which links `alloc::str::join_generic_copy`.
        let mut message = String::new();
        for part in parts {
            message.push_str(part);
        }
        Error(JsError::new(&message).into())
    }
}

#[cfg(feature = "terse-errors")]
impl serde::ser::Error for Error {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        Error::terse(&["cannot serialize the value"])
    }
}

// The constructors that ignore what they are given are `#[inline(always)]`: the `Unexpected` and
// the `&dyn Expected` (a vtable, with the visitor's `expecting` and its text) then go unused at each
// call site, and are not linked just to be ignored.
#[cfg(feature = "terse-errors")]
impl serde::de::Error for Error {
    #[inline(always)]
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        Error::terse(&["cannot deserialize the value"])
    }

    #[inline(always)]
    fn invalid_type(_unexp: serde::de::Unexpected, _exp: &dyn serde::de::Expected) -> Self {
        Error::terse(&["invalid type"])
    }

    #[inline(always)]
    fn invalid_value(_unexp: serde::de::Unexpected, _exp: &dyn serde::de::Expected) -> Self {
        Error::terse(&["invalid value"])
    }

    #[inline(always)]
    fn invalid_length(_len: usize, _exp: &dyn serde::de::Expected) -> Self {
        Error::terse(&["invalid length"])
    }

    fn unknown_variant(variant: &str, _expected: &'static [&'static str]) -> Self {
        Error::terse(&["unknown variant `", variant, "`"])
    }

    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Self {
        Error::terse(&["unknown field `", field, "`"])
    }

    fn missing_field(field: &'static str) -> Self {
        Error::terse(&["missing field `", field, "`"])
    }

    fn duplicate_field(field: &'static str) -> Self {
        Error::terse(&["duplicate field `", field, "`"])
    }
}
// PATCH(terse-errors) end

/// This conversion is needed for `?` to just work when using wasm-bindgen
/// imports that return JavaScript exceptions as `Result<T, JsValue>`.
impl From<JsValue> for Error {
    fn from(error: JsValue) -> Error {
        Error(error)
    }
}

// This conversion is needed for `?` to just work in wasm-bindgen exports
// that return `Result<T, JsValue>` to throw JavaScript exceptions.
impl From<Error> for JsValue {
    fn from(error: Error) -> JsValue {
        error.0
    }
}

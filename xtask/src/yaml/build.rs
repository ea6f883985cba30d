//! Builds a `serde_json::Value` straight from serde_norway's events, counting what it builds.
//!
//! serde_norway's own `Value` refuses duplicate keys and cannot stop an alias expansion before
//! it is complete; building the JSON value ourselves does both, and turns YAML's non-string
//! keys (`200:`) into strings on the way.

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// What may still be built, shared by every node of one document.
pub struct Budget {
    nodes: Cell<usize>,
    scalar_bytes: Cell<usize>,
    max_depth: usize,
    /// The keys and indices from the root to the node being built.
    path: RefCell<Vec<String>>,
    duplicates: RefCell<Vec<Duplicate>>,
}

/// A key given twice in one mapping: `parent` is the path of the mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub parent: Vec<String>,
    pub key: String,
}

pub struct Built {
    pub value: Value,
    pub duplicates: Vec<Duplicate>,
}

impl Budget {
    pub fn new(nodes: usize, scalar_bytes: usize, max_depth: usize) -> Self {
        Budget {
            nodes: Cell::new(nodes),
            scalar_bytes: Cell::new(scalar_bytes),
            max_depth,
            path: RefCell::new(Vec::new()),
            duplicates: RefCell::new(Vec::new()),
        }
    }

    fn pointer(&self) -> String {
        crate::document::pointer_of(&self.path.borrow())
    }

    fn spend_node<E: de::Error>(&self) -> Result<(), E> {
        match self.nodes.get().checked_sub(1) {
            Some(left) => {
                self.nodes.set(left);
                Ok(())
            }
            None => Err(E::custom(format_args!(
                "the document expands to too many nodes (at {}): YAML aliases repeat more than the text holds",
                crate::document::display_pointer(&self.pointer())
            ))),
        }
    }

    fn spend_scalar<E: de::Error>(&self, len: usize) -> Result<(), E> {
        match self.scalar_bytes.get().checked_sub(len) {
            Some(left) => {
                self.scalar_bytes.set(left);
                Ok(())
            }
            None => Err(E::custom(format_args!(
                "the document expands to too much text (at {}): YAML aliases repeat more than the text holds",
                crate::document::display_pointer(&self.pointer())
            ))),
        }
    }
}

/// Parses one YAML document into a JSON value within `budget`.
pub fn from_str(text: &str, budget: &Budget) -> Result<Built, serde_norway::Error> {
    let deserializer = serde_norway::Deserializer::from_str(text);
    let value = Node { budget }.deserialize(deserializer)?;
    Ok(Built {
        value,
        duplicates: budget.duplicates.take(),
    })
}

#[derive(Clone, Copy)]
struct Node<'b> {
    budget: &'b Budget,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Node<'_> {
    fn number<E: de::Error>(self, f: f64) -> Result<Value, E> {
        self.budget.spend_node()?;
        serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| {
                E::custom(format_args!(
                    "the number at {} is not finite",
                    crate::document::display_pointer(&self.budget.pointer())
                ))
            })
    }

    fn string<E: de::Error>(self, s: String) -> Result<Value, E> {
        self.budget.spend_node()?;
        self.budget.spend_scalar(s.len())?;
        Ok(Value::String(s))
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        self.budget.spend_node()?;
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        self.budget.spend_node()?;
        Ok(Value::from(i))
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        self.budget.spend_node()?;
        Ok(Value::from(u))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        self.number(f)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        self.string(s.to_owned())
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        self.string(s)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.budget.spend_node()?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.budget.spend_node()?;
        self.enter()?;
        let mut items = Vec::new();
        loop {
            let token = items.len().to_string();
            self.budget.path.borrow_mut().push(token);
            let next = seq.next_element_seed(self);
            self.budget.path.borrow_mut().pop();
            match next? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.budget.spend_node()?;
        self.enter()?;
        let mut object = Map::new();
        while let Some(key) = map.next_key_seed(Key {
            budget: self.budget,
        })? {
            self.budget.path.borrow_mut().push(key.clone());
            let value = map.next_value_seed(self);
            self.budget.path.borrow_mut().pop();
            let value = value?;
            if object.contains_key(&key) {
                self.budget.duplicates.borrow_mut().push(Duplicate {
                    parent: self.budget.path.borrow().clone(),
                    key: key.clone(),
                });
            }
            // Like a Python dict: the last value, at the first key's position.
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }

    /// A tagged node (`!Thing value`): the tag carries nothing OpenAPI uses, so the value is
    /// kept as if untagged, as before.
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use de::VariantAccess;
        let (_tag, variant): (de::IgnoredAny, _) = data.variant()?;
        variant.newtype_variant_seed(self)
    }
}

impl Node<'_> {
    /// Refuses nesting deeper than the limit (the text pre-check should already have).
    fn enter<E: de::Error>(&self) -> Result<(), E> {
        if self.budget.path.borrow().len() >= self.budget.max_depth {
            return Err(E::custom(format_args!(
                "collections nest more than {} levels deep at {}",
                self.budget.max_depth,
                self.budget.pointer()
            )));
        }
        Ok(())
    }
}

/// A mapping key as a string: YAML allows `200:`, `true:` and `~:`; JSON keys are strings.
struct Key<'b> {
    budget: &'b Budget,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a scalar mapping key")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<String, E> {
        Ok(b.to_string())
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<String, E> {
        Ok(i.to_string())
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<String, E> {
        Ok(u.to_string())
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<String, E> {
        Ok(serde_norway::Number::from(f).to_string())
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<String, E> {
        self.budget.spend_scalar(s.len())?;
        Ok(s.to_owned())
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<String, E> {
        self.budget.spend_scalar(s.len())?;
        Ok(s)
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }
    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(de::Error::custom(format_args!(
            "a mapping key at {} is a sequence, not a scalar",
            crate::document::display_pointer(&self.budget.pointer())
        )))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(de::Error::custom(format_args!(
            "a mapping key at {} is a mapping, not a scalar",
            crate::document::display_pointer(&self.budget.pointer())
        )))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<String, A::Error> {
        use de::VariantAccess;
        let (_tag, variant): (de::IgnoredAny, _) = data.variant()?;
        variant.newtype_variant_seed(self)
    }
}

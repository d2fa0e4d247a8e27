//! The page's components, split the way Yew's examples are: each draws one panel from its
//! properties, owns the state only it uses, and tells its parent what the user did by callback.
//! [`crate::app::App`] owns the report, the view and the worker.

pub mod compare;
pub mod credentials;
pub mod detail;
pub mod filter_bar;
pub mod findings_list;
pub mod input_panel;
pub mod mechanisms;
pub mod summary;

use std::ops::Deref;
use std::rc::Rc;

/// Shared data handed down as a property. Compared by identity, not by value: a report of 100k
/// findings is replaced, never edited, so "same allocation" is "same data", and a value
/// comparison on every parent redraw would cost as much as drawing.
#[derive(Debug)]
pub struct Shared<T>(pub Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<&Rc<T>> for Shared<T> {
    fn from(rc: &Rc<T>) -> Self {
        Self(Rc::clone(rc))
    }
}

/// Lets a parent write `report={&self.report}` for a `Shared` property.
impl<T> yew::html::IntoPropValue<Shared<T>> for &Rc<T> {
    fn into_prop_value(self) -> Shared<T> {
        Shared(Rc::clone(self))
    }
}

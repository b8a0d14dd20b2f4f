//! What the derive emits when the input has errors: the errors, plus an impl that stands in
//! for the real one so that code calling `Config::load()` adds no errors of its own.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{DeriveInput, parse_quote};

use crate::ast::Input;
use crate::nested::TypeCheck;

pub fn expand(node: &DeriveInput, input: &Input, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    let krate = &input.krate;
    let private = quote!(#krate::__private);
    let ident = &node.ident;
    let name = ident.unraw().to_string();
    let mut generics = node.generics.clone();
    if !generics.params.is_empty() {
        // The trait's loader returns `Self` from a future that must not borrow: without this
        // bound, the stub of a generic input would add an error of its own to the one reported.
        generics
            .make_where_clause()
            .predicates
            .push(parse_quote!(Self: 'static));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let types = field_types(node, input);
    quote! {
        #errors
        #types
        #[automatically_derived]
        impl #impl_generics #krate::Secrets for #ident #ty_generics #where_clause {
            #[doc(hidden)]
            const __SPEC: &'static #private::StructSpec = &#private::StructSpec {
                name: #name,
                fields: &[],
            };

            #[doc(hidden)]
            fn __assemble(_: &mut #private::Loaded) -> ::core::option::Option<Self> {
                ::core::option::Option::None
            }
        }
    }
}

/// The checks the real impl makes on each field's type, so that an unsupported type is
/// reported in the same compile as the attribute errors rather than after they are fixed.
fn field_types(node: &DeriveInput, input: &Input) -> TokenStream {
    // Field types of a generic struct name its parameters, which this item cannot see.
    if !node.generics.params.is_empty() {
        return TokenStream::new();
    }
    let krate = &input.krate;
    let checks = input.types.iter().map(|field| {
        let ty = field.ty;
        let check = match field.check {
            TypeCheck::Value => {
                quote_spanned!(ty.span()=> #krate::__private::assert_loadable::<#ty, _>)
            }
            TypeCheck::Nested => {
                quote_spanned!(ty.span()=> #krate::__private::assert_nested::<#ty>)
            }
            TypeCheck::Neither => return TokenStream::new(),
        };
        quote!(#check();)
    });
    quote! {
        const _: () = {
            fn __field_types() {
                #(#checks)*
            }
        };
    }
}

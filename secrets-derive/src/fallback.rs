//! What the derive emits when the input has errors: the errors, plus an impl that stands in
//! for the real one so that code calling `Config::load()` adds no errors of its own.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, parse_quote};

pub fn expand(node: &DeriveInput, krate: Option<&TokenStream>, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    let krate = krate.cloned().unwrap_or_else(|| quote!(::secrets_runtime));
    let ident = &node.ident;
    let mut generics = node.generics.clone();
    if !generics.params.is_empty() {
        // The trait's future must outlive the `&Sources` it is given. The stub's future
        // holds `Self`, which a generic input cannot promise for every lifetime: without
        // this bound the stub would add an error of its own to the one reported.
        generics
            .make_where_clause()
            .predicates
            .push(parse_quote!(Self: 'static));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let types = field_types(node, &krate);
    quote! {
        #errors
        #types
        #[automatically_derived]
        impl #impl_generics #krate::Secrets for #ident #ty_generics #where_clause {
            fn load_from(
                _: &#krate::Sources,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<Self, #krate::Error>,
            > + ::core::marker::Send + '_ {
                ::core::future::pending()
            }
        }
    }
}

/// The check the real impl makes on each field's type, so that an unsupported type is
/// reported in the same compile as the attribute errors rather than after they are fixed.
fn field_types(node: &DeriveInput, krate: &TokenStream) -> TokenStream {
    let Data::Struct(data) = &node.data else {
        return TokenStream::new();
    };
    // Field types of a generic struct name its parameters, which this item cannot see.
    if !node.generics.params.is_empty() {
        return TokenStream::new();
    }
    let checks = data.fields.iter().map(|field| {
        let ty = &field.ty;
        let check = quote_spanned!(ty.span()=> #krate::__private::assert_loadable::<#ty, _>);
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

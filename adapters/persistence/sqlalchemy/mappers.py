"""Conversions between domain entities and ORM models, field by field."""

from adapters.persistence.sqlalchemy.models import UserModel
from domain.users import User


def user_from_model(model: UserModel) -> User:
    return User(
        id=model.id,
        email=model.email,
        full_name=model.full_name,
        password_hash=model.password_hash,
        role=model.role,
        is_active=model.is_active,
        is_deleted=model.is_deleted,
        created_at=model.created_at,
        updated_at=model.updated_at,
        version=model.version,
    )


def user_to_model(user: User) -> UserModel:
    model = UserModel(id=user.id)
    copy_user_onto_model(user, model)
    return model


def copy_user_onto_model(user: User, model: UserModel) -> None:
    model.email = user.email
    model.full_name = user.full_name
    model.password_hash = user.password_hash
    model.role = user.role
    model.is_active = user.is_active
    model.is_deleted = user.is_deleted
    model.created_at = user.created_at
    model.updated_at = user.updated_at
    model.version = user.version
